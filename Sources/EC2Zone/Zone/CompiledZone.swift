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
    public let settings: ZoneOptions
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

    public convenience init(snapshot: Snapshot, settings: ZoneOptions) {
        self.init(snapshot: snapshot, settings: settings, isReady: true)
    }

    /// The placeholder served until the first inventory arrives (see `isReady`).
    public static func notReady(settings: ZoneOptions) -> CompiledZone {
        CompiledZone(snapshot: .empty, settings: settings, isReady: false)
    }

    private init(snapshot: Snapshot, settings: ZoneOptions, isReady: Bool) {
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
