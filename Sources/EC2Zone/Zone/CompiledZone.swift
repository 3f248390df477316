import DNSWire
import FednsSupport
import Foundation
import Inventory

/// The zone compiled from one snapshot: an index from names to the instances behind them, and every record the
/// zone can answer already in wire form, built once per inventory change and then only read, from any number of
/// threads, without locks.
///
/// Names live in one `NameTable` keyed by their lower-cased wire form, so the UDP path looks a query up straight
/// from the packet's bytes; which names exist, and which instances each holds, is a `NameIndex` (the naming grammar
/// shared with the companion commands). Per instance there is one small record pointing into `wire`, where its A,
/// AAAA, TXT, SSHFP and PTR records are prebuilt; names (`NAME`, `INSTANCE-ID`, `NAME.REGION`, `VALUE.LABEL`,
/// `N.NAME`, …) and reverse entries point at instances by index, so every name of an instance shares one copy of
/// its records.
public final class CompiledZone: Sendable {
    public let settings: ZoneOptions
    public let serial: UInt32
    /// Naming issues found while building, for logs and `fedns instances --problems`.
    public let problems: [NamingProblem]
    /// Instances that have names in the zone (those in one of the configured states).
    public let instanceCount: Int
    /// False for the placeholder zone used before any inventory is loaded: its names answer SERVFAIL, because
    /// an empty zone would claim every instance does not exist.
    public let isReady: Bool

    /// Every name of the forward zone (the apex, instance names, empty non-terminals, the name server), lower-cased
    /// wire form to its index in `nodes`.
    let names: NameTable
    let nodes: [NameNode]
    /// The instances behind each node, node after node (`NameNode.first`, `.count`).
    let nodeInstances: [Int32]
    let reverseV4: ReverseIndex<UInt32>
    let reverseV6: ReverseIndex<UInt128>
    /// The prebuilt records the UDP and TCP paths copy into answers, and where each instance's are.
    let wire: WireRecords
    let instanceWire: [WireRecords.InstanceRecordSet]

    public convenience init(snapshot: Snapshot, settings: ZoneOptions) {
        self.init(snapshot: snapshot, settings: settings, isReady: true)
    }

    /// As above; from `twoThreadsFrom` instances on, naming's pass runs on two threads (tests compare both ways).
    convenience init(snapshot: Snapshot, settings: ZoneOptions, twoThreadsFrom: Int) {
        self.init(snapshot: snapshot, settings: settings, isReady: true, twoThreadsFrom: twoThreadsFrom)
    }

    /// The placeholder served until the first inventory arrives (see `isReady`).
    public static func notReady(settings: ZoneOptions) -> CompiledZone {
        CompiledZone(snapshot: .empty, settings: settings, isReady: false)
    }

    private init(
        snapshot: Snapshot, settings: ZoneOptions, isReady: Bool, twoThreadsFrom: Int = NameIndex.twoThreadMinimum
    ) {
        self.isReady = isReady
        var builder = ZoneBuilder(settings: settings, serial: snapshot.serial)
        let index = builder.add(snapshot.instances, twoThreadsFrom: twoThreadsFrom)
        self.instanceWire = builder.instanceWire
        self.settings = settings
        self.serial = snapshot.serial
        self.problems = builder.problems
        self.instanceCount = builder.instanceWire.count
        var nodes: [NameNode] = []
        nodes.reserveCapacity(index.nodeCount)
        for node in 0..<Int32(index.nodeCount) {
            let kind: NameNode.Kind = node == 0 ? .apex : node == index.nameserverNode ? .nameserver : .instances
            nodes.append(NameNode(kind: kind, first: index.firsts[Int(node)], count: index.counts[Int(node)]))
        }
        self.names = index.table
        self.nodes = nodes
        self.nodeInstances = index.members
        // Instances are numbered in member order, so the lower index comes first where several share an address.
        self.reverseV4 = ReverseIndex(entries: builder.reverseV4, zoneBits: 24, totalBits: 32, precedes: <)
        self.reverseV6 = ReverseIndex(entries: builder.reverseV6, zoneBits: 64, totalBits: 128, precedes: <)
        self.wire = builder.wire.build()
    }

    /// The node of a forward-zone name given in lower-cased wire form.
    @inline(__always)
    func node(lowercasedWire key: UnsafeRawBufferPointer, hash: UInt32) -> NameNode? {
        names.find(key, hash: hash).map { nodes[Int($0)] }
    }

    /// The instances behind a node.
    @inline(__always)
    func instances(of node: NameNode) -> ArraySlice<Int32> {
        nodeInstances[Int(node.first)..<Int(node.first + node.count)]
    }

    /// The fields of an instance's TXT record, in order: `instance-id=…`, `region=…`, `az=…`, `type=…`,
    /// `state=…`, `launched=…` (those it has), then `name=NAME` and a `LABEL=VALUE` per group it is in
    /// (`role=web`). Every name of the instance (`2.web.ec2` too) answers with it, so it says which instance a name
    /// reached.
    static func forEachTXTField(of instance: Instance, labels: InstanceLabels, _ body: (String, String) -> Void) {
        body("instance-id", instance.id)
        body("region", instance.region)
        if let zone = instance.availabilityZone { body("az", zone) }
        if let type = instance.type { body("type", type) }
        body("state", instance.state)
        if let launched = instance.launchTime { body("launched", String(decoding: ISO8601.formatBytes(launched), as: UTF8.self)) }
        if let name = labels.name { body("name", name) }
        for (label, value) in labels.groups { body(label, value) }
    }

    /// The data of an instance's SSHFP records (RFC 4255 / 6594): the algorithm, fingerprint type 2 (SHA-256) and
    /// the fingerprint, one per host key of a type SSHFP knows.
    static func forEachSSHFP(of instance: Instance, _ body: (UInt8, [UInt8]) -> Void) {
        for key in instance.hostKeys {
            if let algorithm = key.sshfpAlgorithm { body(algorithm, key.sha256) }
        }
    }

    /// The A record data of an instance, read back from its prebuilt record: the zone keeps its records only in
    /// wire form (a second copy as values cost about 100 bytes an instance).
    func a(of instance: Int32) -> RData? {
        let set = instanceWire[Int(instance)]
        guard set.a >= 0 else { return nil }
        return .a(IPv4Address(value: wire.uint32(at: Int(set.a) + WireRecords.rdataOffset)))
    }

    /// The AAAA record data of an instance, read back from its prebuilt records (each `aaaaRecordLength` bytes).
    func aaaa(of instance: Int32) -> [RData] {
        let set = instanceWire[Int(instance)]
        return (0..<Int(set.aaaaCount)).map { record in
            let data = Int(set.aaaa) + record * WireRecords.aaaaRecordLength + WireRecords.rdataOffset
            return .aaaa(IPv6Address(value: UInt128(wire.uint64(at: data)) << 64 | UInt128(wire.uint64(at: data + 8))))
        }
    }

    /// The PTR target of an instance (its canonical name), read back from its prebuilt PTR record.
    func ptr(of instance: Int32) -> RData {
        let set = instanceWire[Int(instance)]
        let start = Int(set.ptr) + WireRecords.rdataOffset
        guard let target = try? DNSName(wireForm: Array(wire.bytes[start..<Int(set.ptr + set.ptrLength)])) else {
            preconditionFailure("the builder wrote a PTR target that does not read back")  // written from a DNSName
        }
        return .ptr(target)
    }

    /// The TXT record data of an instance, read back from its prebuilt record (the zone keeps no `Instance`).
    func txt(of instance: Int32) -> RData {
        let set = instanceWire[Int(instance)]
        var position = Int(set.txt) + WireRecords.rdataOffset
        let end = Int(set.txt + set.txtLength)
        var strings: [[UInt8]] = []
        while position < end {
            let length = Int(wire.bytes[position])
            strings.append(Array(wire.bytes[(position + 1)..<(position + 1 + length)]))
            position += 1 + length
        }
        return .txt(strings)
    }

    /// The SSHFP records of an instance, read back from the prebuilt ones.
    func sshfp(of instance: Int32) -> [RData] {
        let set = instanceWire[Int(instance)]
        var position = Int(set.sshfp)
        return (0..<set.sshfpCount).map { _ in
            let length = Int(wire.bytes[position + WireRecords.rdataOffset - 2]) << 8 | Int(wire.bytes[position + WireRecords.rdataOffset - 1])
            let start = position + WireRecords.rdataOffset
            position = start + length
            return RData.unknown(type: .sshfp, data: Array(wire.bytes[start..<position]))
        }
    }
}

/// What one instance contributes to the zone, shared by every name that leads to it.
struct InstanceRecords: Sendable {
    var a: IPv4Address?
    var aaaa: [IPv6Address]
}

/// A name of the forward zone.
struct NameNode: Sendable {
    enum Kind: UInt8, Sendable {
        /// Instance names, and empty non-terminals (no instances) such as `REGION.ec2`.
        case instances
        /// The zone apex: SOA and NS.
        case apex
        /// The zone's own name-server host, which answers with the configured server addresses.
        case nameserver
    }

    var kind: Kind
    /// Where its instances start in `CompiledZone.nodeInstances`, and how many there are.
    var first: Int32
    var count: Int32
}

/// A list of instance indexes that stores the common single entry inline, without an array (while building).
struct IndexList: Sendable, RandomAccessCollection {
    private var first: Int32 = -1
    private var rest: [Int32] = []

    var startIndex: Int { 0 }
    var endIndex: Int { first < 0 ? 0 : 1 + rest.count }
    subscript(position: Int) -> Int32 { position == 0 ? first : rest[position - 1] }

    mutating func append(_ index: Int32) {
        if first < 0 { first = index } else { rest.append(index) }
    }
}
