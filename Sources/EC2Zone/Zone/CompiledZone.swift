import DNSWire
import FednsSupport
import Foundation
import Inventory

/// The zone compiled from one snapshot: an index from names to the instances behind them, built once per
/// inventory change and then only read, from any number of threads, without locks.
///
/// Per instance it keeps one set of records; names (`NAME`, `INSTANCE-ID`, `NAME.REGION`) and reverse entries
/// point at instances by index, so 10,000 instances cost a few megabytes.
public final class CompiledZone: Sendable {
    public let settings: ZoneSettings
    public let serial: UInt32
    /// Naming issues found while building, for logs and `fedns instances --problems`.
    public let problems: [NamingProblem]
    /// Instances that have names in the zone (those in one of the configured states).
    public let instanceCount: Int

    let records: [InstanceRecords]
    let forward: [DNSName: ForwardNode]
    let reverseV4: ReverseIndex<UInt32>
    let reverseV6: ReverseIndex<UInt128>
    /// Extra reverse zones from the configuration, most specific first.
    let extraReverseZones: [DNSName]

    public init(snapshot: Snapshot, settings: ZoneSettings) {
        var builder = ZoneBuilder(settings: settings)
        builder.add(snapshot.instances)
        self.settings = settings
        self.serial = snapshot.serial
        self.problems = builder.problems
        self.instanceCount = builder.records.count
        self.records = builder.records
        self.forward = builder.forward
        self.reverseV4 = ReverseIndex(entries: builder.reverseV4, zoneBits: 24, totalBits: 32)
        self.reverseV6 = ReverseIndex(entries: builder.reverseV6, zoneBits: 64, totalBits: 128)
        self.extraReverseZones = settings.extraReverseZones.sorted { $0.labelCount > $1.labelCount }
    }

    /// An empty zone (apex SOA and NS only), for a server that has not loaded an inventory yet.
    public convenience init(settings: ZoneSettings) {
        self.init(snapshot: .empty, settings: settings)
    }
}

/// The records of one instance, shared by every name that leads to it.
struct InstanceRecords: Sendable {
    var a: RData?
    var aaaa: [RData]
    var txt: RData
    /// `NAME.ec2.`, or `INSTANCE-ID.ec2.` when untagged: the target of its PTR records.
    var canonicalName: DNSName
}

/// A name in the forward zone.
struct ForwardNode: Sendable {
    /// Indexes into `records`; empty for an empty non-terminal such as `REGION.ec2`.
    var instances: [Int32] = []
    /// The zone's own name-server host, which answers with the configured server addresses.
    var isNameserver = false
}

/// Addresses to instances, sorted, so that both exact matches and "does any address start with this prefix"
/// (needed to tell an empty non-terminal from a non-existent name, RFC 8020) are binary searches.
struct ReverseIndex<Address: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let addresses: [Address]
    let instances: [[Int32]]
    /// Prefixes (address >> (totalBits - zoneBits)) of the reverse zones this index makes authoritative.
    let zones: Set<Address>
    let zoneBits: Int
    let totalBits: Int

    init(entries: [Address: [Int32]], zoneBits: Int, totalBits: Int) {
        let sorted = entries.sorted { $0.key < $1.key }
        addresses = sorted.map(\.key)
        instances = sorted.map(\.value)
        zones = Set(addresses.map { $0 >> (totalBits - zoneBits) })
        self.zoneBits = zoneBits
        self.totalBits = totalBits
    }

    func instances(at address: Address) -> [Int32]? {
        let index = lowerBound(address)
        guard index < addresses.count, addresses[index] == address else { return nil }
        return instances[index]
    }

    /// True when some address begins with the `bits`-bit prefix `prefix`.
    func containsPrefix(_ prefix: Address, bits: Int) -> Bool {
        guard bits > 0 else { return !addresses.isEmpty }
        guard bits < totalBits else { return instances(at: prefix) != nil }
        let low = prefix << (totalBits - bits)
        let index = lowerBound(low)
        return index < addresses.count && addresses[index] >> (totalBits - bits) == prefix
    }

    private func lowerBound(_ value: Address) -> Int {
        var low = 0
        var high = addresses.count
        while low < high {
            let middle = (low + high) / 2
            if addresses[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Builds the index and collects naming problems.
struct ZoneBuilder {
    let settings: ZoneSettings
    var records: [InstanceRecords] = []
    var forward: [DNSName: ForwardNode] = [:]
    var reverseV4: [UInt32: [Int32]] = [:]
    var reverseV6: [UInt128: [Int32]] = [:]
    var problems: [NamingProblem] = []

    init(settings: ZoneSettings) {
        self.settings = settings
        if settings.nameserver.isSubdomain(of: settings.origin) && settings.nameserver != settings.origin {
            forward[settings.nameserver, default: ForwardNode()].isNameserver = true
            addEmptyNonTerminals(above: settings.nameserver)
        }
    }

    mutating func add(_ instances: [Instance]) {
        // A stable order (name, launch time, id) so answers and PTR targets do not depend on API page order.
        let named =
            instances
            .filter { settings.states.contains($0.state) }
            .map { (key: (InstanceNaming.canonicalLabel(of: $0), $0.launchTime?.timeIntervalSince1970 ?? 0, $0.id), instance: $0) }
            .sorted { $0.key < $1.key }
            .map(\.instance)
        var holdersOfName: [String: [String]] = [:]
        for instance in named {
            add(instance, holdersOfName: &holdersOfName)
        }
        for (label, ids) in holdersOfName.sorted(by: { $0.key < $1.key }) where ids.count > 1 {
            problems.append(
                NamingProblem(
                    kind: .duplicateName, name: label, instanceIDs: ids,
                    detail: "\(ids.count) instances share this name; it answers with all of their addresses"))
        }
    }

    private mutating func add(_ instance: Instance, holdersOfName: inout [String: [String]]) {
        let index = Int32(records.count)
        let idLabel = InstanceNaming.idLabel(of: instance)
        let nameLabel = InstanceNaming.label(of: instance)
        if let tag = instance.name, let nameLabel, InstanceNaming.tagNeedsRewriting(tag) {
            problems.append(
                NamingProblem(
                    kind: .nameRewritten, name: nameLabel, instanceIDs: [instance.id],
                    detail: "Name tag \"\(tag)\" is not a DNS label; served as \(nameLabel)"))
        }
        guard let idName = name(idLabel) else {
            problems.append(
                NamingProblem(
                    kind: .unusableAddress, name: instance.id, instanceIDs: [instance.id],
                    detail: "instance id cannot be used as a DNS label"))
            return
        }
        let canonicalName = nameLabel.flatMap { name($0) } ?? idName
        records.append(
            InstanceRecords(
                a: ipv4Record(for: instance), aaaa: ipv6Records(for: instance), txt: txtRecord(for: instance),
                canonicalName: canonicalName))

        attach(index, to: idName, label: idLabel, instance: instance)
        if let nameLabel, let tagName = name(nameLabel) {
            holdersOfName[nameLabel, default: []].append(instance.id)
            attach(index, to: tagName, label: nameLabel, instance: instance)
            let regionLabel = InstanceNaming.label(forNameTag: instance.region) ?? "unknown"
            if let regional = name("\(nameLabel).\(regionLabel)") {
                attach(index, to: regional, label: "\(nameLabel).\(regionLabel)", instance: instance)
            }
        }
        addReverse(index, instance: instance)
    }

    private func name(_ relative: String) -> DNSName? {
        var result = settings.origin
        for label in relative.split(separator: ".").reversed() {
            guard let longer = try? result.prepending(label: Array(label.utf8)) else { return nil }
            result = longer
        }
        return result
    }

    private mutating func attach(_ index: Int32, to name: DNSName, label: String, instance: Instance) {
        var node = forward[name, default: ForwardNode()]
        if node.isNameserver {
            problems.append(
                NamingProblem(
                    kind: .shadowedName, name: label, instanceIDs: [instance.id],
                    detail: "the name is the zone's name server (\(settings.nameserver)); the instance is not served under it"))
            return
        }
        node.instances.append(index)
        forward[name] = node
        addEmptyNonTerminals(above: name)
    }

    /// Names between the apex and `name` exist even without records of their own (RFC 8020): `us-east-1.ec2`
    /// when only `web-1.us-east-1.ec2` has data.
    private mutating func addEmptyNonTerminals(above name: DNSName) {
        let depth = name.labelCount - settings.origin.labelCount
        guard depth > 1 else { return }
        for drop in 1..<depth {
            let ancestor = name.droppingFirstLabels(drop)
            if forward[ancestor] == nil { forward[ancestor] = ForwardNode() }
        }
    }

    private mutating func ipv4Record(for instance: Instance) -> RData? {
        guard let text = settings.addressMode.ipv4(of: instance) else {
            if instance.ipv6.isEmpty {
                problems.append(
                    NamingProblem(
                        kind: .noAddress, name: InstanceNaming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                        detail: "no \(settings.addressMode.rawValue) IPv4 address and no IPv6 address"))
            }
            return nil
        }
        guard let address = IPv4Address(text) else {
            reportUnusable(text, of: instance)
            return nil
        }
        return .a(address)
    }

    private mutating func ipv6Records(for instance: Instance) -> [RData] {
        instance.ipv6.compactMap { text in
            guard let address = IPv6Address(text) else {
                reportUnusable(text, of: instance)
                return nil
            }
            return .aaaa(address)
        }
    }

    private mutating func reportUnusable(_ text: String, of instance: Instance) {
        problems.append(
            NamingProblem(
                kind: .unusableAddress, name: InstanceNaming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                detail: "\"\(text)\" is not an IP address"))
    }

    private func txtRecord(for instance: Instance) -> RData {
        let fields: [(String, String?)] = [
            ("instance-id", instance.id), ("region", instance.region), ("az", instance.availabilityZone),
            ("type", instance.type), ("state", instance.state),
            ("launched", instance.launchTime.map(ISO8601.format)),
        ]
        // A character-string holds at most 255 octets; tag-derived values are cut rather than rejected.
        return .txt(fields.compactMap { key, value in value.map { Array("\(key)=\($0)".utf8.prefix(255)) } })
    }

    private mutating func addReverse(_ index: Int32, instance: Instance) {
        var v4 = instance.privateIPv4
        if let publicIPv4 = instance.publicIPv4 { v4.append(publicIPv4) }
        for address in Set(v4.compactMap { IPv4Address($0) }) {
            reverseV4[address.value, default: []].append(index)
        }
        for address in Set(instance.ipv6.compactMap { IPv6Address($0) }) {
            reverseV6[address.integer, default: []].append(index)
        }
    }
}

extension IPv6Address {
    /// The address as one 128-bit integer, for sorted reverse lookups.
    var integer: UInt128 { bytes.reduce(0) { $0 << 8 | UInt128($1) } }
}
