import DNSWire
import FednsSupport
import Foundation
import Inventory

/// The zone compiled from one snapshot: an index from names to the instances behind them, built once per
/// inventory change and then only read, from any number of threads, without locks.
///
/// Per instance it keeps one small record; names (`NAME`, `INSTANCE-ID`, `NAME.REGION`) and reverse entries point
/// at instances by index, single-instance names need no allocation of their own, and TXT is rendered on demand, so
/// 10,000 instances cost a few megabytes (README, "Performance").
public final class CompiledZone: Sendable {
    public let settings: ZoneSettings
    public let serial: UInt32
    /// Naming issues found while building, for logs and `fedns instances --problems`.
    public let problems: [NamingProblem]
    /// Instances that have names in the zone (those in one of the configured states).
    public let instanceCount: Int
    /// False for the placeholder zone used before any inventory is loaded: its names answer SERVFAIL, because
    /// an empty zone would claim every instance does not exist.
    public let isReady: Bool

    let records: [InstanceRecords]
    let forward: [DNSName: ForwardNode]
    let reverseV4: ReverseIndex<UInt32>
    let reverseV6: ReverseIndex<UInt128>
    /// Extra reverse zones from the configuration, most specific first.
    let extraReverseZones: [DNSName]

    public convenience init(snapshot: Snapshot, settings: ZoneSettings) {
        self.init(snapshot: snapshot, settings: settings, isReady: true)
    }

    /// The placeholder served until the first inventory arrives (see `isReady`).
    public static func notReady(settings: ZoneSettings) -> CompiledZone {
        CompiledZone(snapshot: .empty, settings: settings, isReady: false)
    }

    private init(snapshot: Snapshot, settings: ZoneSettings, isReady: Bool) {
        self.isReady = isReady
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

    /// The TXT record of an instance: `instance-id=…`, `region=…`, `az=…`, `type=…`, `state=…`, `launched=…`.
    /// Rendered when asked rather than stored: TXT queries are rare, and six strings per instance add up.
    func txt(of record: InstanceRecords) -> RData {
        let instance = record.instance
        let fields: [(String, String?)] = [
            ("instance-id", instance.id), ("region", instance.region), ("az", instance.availabilityZone),
            ("type", instance.type), ("state", instance.state), ("launched", instance.launchTime.map(ISO8601.format)),
        ]
        // A character-string holds at most 255 octets; tag-derived values are cut rather than rejected.
        return .txt(fields.compactMap { key, value in value.map { Array("\(key)=\($0)".utf8.prefix(255)) } })
    }
}

/// What one instance contributes to the zone, shared by every name that leads to it.
struct InstanceRecords: Sendable {
    var a: IPv4Address?
    var aaaa: [IPv6Address]
    /// `NAME.ec2.`, or `INSTANCE-ID.ec2.` when untagged: the target of its PTR records (the same storage as the
    /// forward key, not a copy).
    var canonicalName: DNSName
    /// The instance itself, for TXT; its strings are shared with the snapshot.
    var instance: Instance
}

/// A name in the forward zone.
struct ForwardNode: Sendable {
    /// The instances behind the name; none for an empty non-terminal such as `REGION.ec2`.
    var instances = IndexList()
    /// The zone's own name-server host, which answers with the configured server addresses.
    var isNameserver = false
}

/// A list of instance indexes that stores the common single entry inline, without an array.
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

/// Addresses to instances as two parallel arrays sorted by address (an address shared by several instances
/// appears once per instance), so that exact matches and "does any address start with this prefix" (needed to
/// tell an empty non-terminal from a non-existent name, RFC 8020) are binary searches with no per-entry storage.
struct ReverseIndex<Address: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let addresses: [Address]
    let instances: [Int32]
    /// Prefixes (address >> (totalBits - zoneBits)) of the reverse zones this index makes authoritative.
    let zones: Set<Address>
    let zoneBits: Int
    let totalBits: Int

    init(entries: [(Address, Int32)], zoneBits: Int, totalBits: Int) {
        let sorted = entries.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        addresses = sorted.map(\.0)
        instances = sorted.map(\.1)
        zones = Set(addresses.map { $0 >> (totalBits - zoneBits) })
        self.zoneBits = zoneBits
        self.totalBits = totalBits
    }

    /// The instances at exactly `address`, or nil when it is not in the index.
    func instances(at address: Address) -> ArraySlice<Int32>? {
        let start = lowerBound(address)
        var end = start
        while end < addresses.count && addresses[end] == address { end += 1 }
        return end > start ? instances[start..<end] : nil
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
    var reverseV4: [(UInt32, Int32)] = []
    var reverseV6: [(UInt128, Int32)] = []
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
        let tagName = nameLabel.flatMap { name($0) }
        records.append(
            InstanceRecords(
                a: ipv4Address(for: instance), aaaa: ipv6Addresses(for: instance), canonicalName: tagName ?? idName,
                instance: instance))

        attach(index, to: idName, label: idLabel, instance: instance)
        if let nameLabel, let tagName {
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

    private mutating func ipv4Address(for instance: Instance) -> IPv4Address? {
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
        return address
    }

    private mutating func ipv6Addresses(for instance: Instance) -> [IPv6Address] {
        instance.ipv6.compactMap { text in
            guard let address = IPv6Address(text) else {
                reportUnusable(text, of: instance)
                return nil
            }
            return address
        }
    }

    private mutating func reportUnusable(_ text: String, of instance: Instance) {
        problems.append(
            NamingProblem(
                kind: .unusableAddress, name: InstanceNaming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                detail: "\"\(text)\" is not an IP address"))
    }

    private mutating func addReverse(_ index: Int32, instance: Instance) {
        var v4 = instance.privateIPv4
        if let publicIPv4 = instance.publicIPv4 { v4.append(publicIPv4) }
        for address in Set(v4.compactMap { IPv4Address($0) }) {
            reverseV4.append((address.value, index))
        }
        for address in Set(instance.ipv6.compactMap { IPv6Address($0) }) {
            reverseV6.append((address.value, index))
        }
    }
}
