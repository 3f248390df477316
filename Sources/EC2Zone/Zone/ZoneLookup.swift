import DNSWire

/// What the zone holds for one question, before any protocol policy (flags, EDNS, truncation) is applied.
public struct ZoneAnswer: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        /// The name is outside every zone served here.
        case notAuthoritative
        /// The name does not exist (NXDOMAIN).
        case nameError
        /// The name exists; `answers` may be empty (NODATA).
        case exists
    }

    public var status: Status
    /// The apex of the zone that answered, for the SOA of negative answers.
    public var apex: DNSName?
    public var answers: [ResourceRecord]
    public var additionals: [ResourceRecord]

    public static let notAuthoritative = ZoneAnswer(status: .notAuthoritative, apex: nil, answers: [], additionals: [])
}

/// A name located in the zone: the one lookup both encoders (typed records for `lookup(_:rotation:)`, prebuilt
/// wire records for `WireAnswerer`) start from, so they cannot disagree about what exists.
enum ZoneLocation {
    /// Outside every zone served here.
    case notAuthoritative
    /// Inside a zone, but no such name; the zone's apex starts `apexOffset` bytes into the name.
    case nameError(apexOffset: Int)
    /// A zone apex (the forward zone's or a reverse zone's): SOA and NS.
    case apex
    /// The zone's own name server.
    case nameserver
    /// A forward name with its instances (none: an empty non-terminal).
    case instances(NameNode)
    /// A reverse name: an address with the instances that hold it, or a prefix of served addresses (an empty
    /// non-terminal, no targets).
    case reverse(targets: ArraySlice<Int32>, apexOffset: Int)
}

extension CompiledZone {
    /// Where a name (lower-cased wire form, `labels` its label offsets, `hash` its `NameTable` hash) is in the
    /// zone.
    func locate(_ key: UnsafeRawBufferPointer, labels: UnsafeBufferPointer<UInt8>, hash: UInt32) -> ZoneLocation {
        if let index = names.find(key, hash: hash) {
            let node = nodes[Int(index)]
            switch node.kind {
            case .apex: return .apex
            case .nameserver: return .nameserver
            case .instances: return .instances(node)
            }
        }
        let apex = wire.apexKeyLength
        if key.count > apex, WireName.hasSuffix(key, labels: labels, suffixLength: apex, suffix: wire.apexKey) {
            return .nameError(apexOffset: key.count - apex)
        }
        guard let reverse = ReverseName(key, labels: labels), let apexOffset = reverseApexOffset(reverse, key, labels)
        else { return .notAuthoritative }
        if apexOffset == 0 { return .apex }
        switch reverse.family {
        case .v4 where reverse.isComplete:
            if let found = reverseV4.instances(at: UInt32(truncatingIfNeeded: reverse.value)) {
                return .reverse(targets: found, apexOffset: apexOffset)
            }
        case .v6 where reverse.isComplete:
            if let found = reverseV6.instances(at: reverse.value) {
                return .reverse(targets: found, apexOffset: apexOffset)
            }
        case .v4:
            if reverse.isWellFormed && reverseV4.containsPrefix(UInt32(truncatingIfNeeded: reverse.value), bits: reverse.bits) {
                return .reverse(targets: [], apexOffset: apexOffset)
            }
        case .v6:
            if reverse.isWellFormed && reverseV6.containsPrefix(reverse.value, bits: reverse.bits) {
                return .reverse(targets: [], apexOffset: apexOffset)
            }
        }
        return .nameError(apexOffset: apexOffset)
    }

    /// Where the reverse zone this name falls in starts in the name: a configured zone (`[dns] reverse_zones`,
    /// the operator's own cuts, which secondaries can be set up for), else the /24 or /64 of an instance address;
    /// nil when none is served here.
    private func reverseApexOffset(
        _ reverse: ReverseName, _ key: UnsafeRawBufferPointer, _ labels: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        for zone in wire.extraReverseZoneKeys where key.count >= zone.count {
            let matches = zone.withUnsafeBytes { zone in
                WireName.hasSuffix(key, labels: labels, suffixLength: zone.count, suffix: zone)
            }
            if matches { return key.count - zone.count }
        }
        switch reverse.family {
        case .v4 where reverse.bits >= 24:
            let prefix = UInt32(truncatingIfNeeded: reverse.value >> UInt128(reverse.bits - 24))
            if reverseV4.zones.contains(prefix) { return Int(labels[reverse.labelsBelowSuffix - 3]) }
        case .v6 where reverse.bits >= 64:
            let prefix = reverse.value >> UInt128(reverse.bits - 64)
            if reverseV6.zones.contains(prefix) { return Int(labels[reverse.labelsBelowSuffix - 16]) }
        default:
            break
        }
        return nil
    }

    /// Looks a question up. `rotation` picks where a multi-record RRset starts, so that repeated answers for a
    /// name shared by several instances spread clients over them.
    ///
    /// ANY is answered minimally (RFC 8482): with the first RRset the name has.
    public func lookup(_ question: Question, rotation: Int = 0) -> ZoneAnswer {
        let name = question.name
        let type = question.type
        let location = WireName.withKey(name.wire) { key, labels, hash in locate(key, labels: labels, hash: hash) }
        guard let location else { return .notAuthoritative }
        func suffix(_ offset: Int) -> DNSName { name.suffix(fromWireOffset: offset) }
        switch location {
        case .notAuthoritative:
            return .notAuthoritative
        case .nameError(let apexOffset):
            return ZoneAnswer(status: .nameError, apex: suffix(apexOffset), answers: [], additionals: [])
        case .apex:
            return apexAnswer(owner: name, type: type)
        case .nameserver:
            return ZoneAnswer(
                status: .exists, apex: settings.origin, answers: pick(type, from: nameserverRRsets(owner: name)),
                additionals: [])
        case .instances(let node):
            let instances = self.instances(of: node)
            // Only the asked type is gathered: most queries want A.
            func rrset(_ type: RRType) -> [RData] {
                switch type {
                case .a: return instances.compactMap { a(of: $0) }
                case .aaaa: return instances.flatMap { aaaa(of: $0) }
                case .txt: return instances.map { txt(of: $0) }
                case .sshfp: return instances.flatMap { sshfp(of: $0) }
                default: return []
                }
            }
            let data = type == .any ? ([RRType.a, .aaaa, .txt].lazy.map(rrset).first { !$0.isEmpty } ?? []) : rrset(type)
            return ZoneAnswer(
                status: .exists, apex: settings.origin, answers: rotate(data, by: rotation, owner: name), additionals: [])
        case .reverse(let targets, let apexOffset):
            let ptrs = targets.map { ptr(of: $0) }
            return ZoneAnswer(
                status: .exists, apex: suffix(apexOffset),
                answers: pick(type, from: [(.ptr, rotate(ptrs, by: rotation, owner: name))]), additionals: [])
        }
    }

    /// The SOA of a zone served here. Negative answers carry it with TTL min(SOA TTL, MINIMUM) (RFC 2308 §5).
    public func soaRecord(apex: DNSName, forNegativeAnswer: Bool = false) -> ResourceRecord {
        let soa = SOAData(
            mname: settings.nameserver, rname: settings.hostmaster, serial: serial, refresh: settings.refresh,
            retry: settings.retry, expire: settings.expire, minimum: settings.negativeTTL)
        return ResourceRecord(
            name: apex, ttl: forNegativeAnswer ? settings.negativeAnswerTTL : settings.ttl, data: .soa(soa))
    }

    /// An apex (forward or reverse): SOA, NS with the in-zone name server's addresses as glue, NODATA otherwise.
    private func apexAnswer(owner: DNSName, type: RRType) -> ZoneAnswer {
        let soa = soaRecord(apex: owner)
        let ns = ResourceRecord(name: owner, ttl: settings.ttl, data: .ns(settings.nameserver))
        var answer = ZoneAnswer(status: .exists, apex: owner, answers: [], additionals: [])
        answer.answers = pick(type, from: [(.soa, [soa]), (.ns, [ns])])
        if answer.answers.first?.type == .ns, wire.nameserverInZone {
            // Glue for the in-zone name server, as NSD and Knot add it.
            answer.additionals = nameserverRRsets(owner: settings.nameserver).flatMap(\.1)
        }
        return answer
    }

    private func nameserverRRsets(owner: DNSName) -> [(RRType, [ResourceRecord])] {
        [
            (.a, settings.nameserverIPv4.map { ResourceRecord(name: owner, ttl: settings.ttl, data: .a($0)) }),
            (.aaaa, settings.nameserverIPv6.map { ResourceRecord(name: owner, ttl: settings.ttl, data: .aaaa($0)) }),
        ]
    }

    private func rotate(_ data: [RData], by rotation: Int, owner: DNSName) -> [ResourceRecord] {
        guard !data.isEmpty else { return [] }
        let start = Self.rotationStart(rotation, count: data.count)
        return (0..<data.count).map { offset in
            ResourceRecord(name: owner, ttl: settings.ttl, data: data[(start + offset) % data.count])
        }
    }

    /// Where an RRset of `count` records starts for this rotation.
    @inline(__always)
    static func rotationStart(_ rotation: Int, count: Int) -> Int {
        count > 1 ? Int(UInt(bitPattern: rotation) % UInt(count)) : 0
    }

    /// The RRset of `type`, or for ANY the first non-empty one.
    private func pick(_ type: RRType, from rrsets: [(RRType, [ResourceRecord])]) -> [ResourceRecord] {
        if type == .any {
            return rrsets.first { !$0.1.isEmpty }?.1 ?? []
        }
        return rrsets.first { $0.0 == type }?.1 ?? []
    }
}

/// Helpers over names in wire form, for lookups straight from a packet's bytes.
enum WireName {
    /// Calls `body` with the lower-cased copy of `wire` (an uncompressed name), the offset of each label, and the
    /// name's `NameTable` hash; nil when `wire` is not a well-formed name.
    static func withKey<Result>(
        _ wire: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<UInt8>, UInt32) -> Result
    ) -> Result? {
        wire.withUnsafeBytes { source in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DNSName.maxWireLength) { key in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { labels in
                    guard let (length, count) = lowercase(source, from: 0, into: key, labels: labels) else { return nil }
                    let name = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(key)[0..<length])
                    return body(name, UnsafeBufferPointer(rebasing: labels[0..<count]), NameTable.hash(name))
                }
            }
        }
    }

    /// Copies the uncompressed name at `offset` into `key`, lower-cased, noting where each label starts in
    /// `labels`: returns the name's length and its label count, or nil when it is not an uncompressed
    /// well-formed name within the bytes (a pointer, a reserved label type, a label past the end, a name longer
    /// than 255 octets). `key` holds 255 bytes, `labels` 128.
    @inline(__always)
    static func lowercase(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, into key: UnsafeMutableBufferPointer<UInt8>,
        labels: UnsafeMutableBufferPointer<UInt8>
    ) -> (length: Int, labels: Int)? {
        var position = offset
        var written = 0
        var count = 0
        while true {
            guard position < bytes.count else { return nil }
            let length = Int(bytes[position])
            if length == 0 {
                guard written < DNSName.maxWireLength else { return nil }
                key[written] = 0
                return (written + 1, count)
            }
            guard length <= DNSName.maxLabelLength, position + 1 + length <= bytes.count,
                written + 1 + length + 1 <= DNSName.maxWireLength
            else { return nil }
            labels[count] = UInt8(written)
            count += 1
            key[written] = UInt8(length)
            for index in 1...length {
                key[written + index] = asciiLowercase(bytes[position + index])
            }
            written += 1 + length
            position += 1 + length
        }
    }

    /// Whether the name ends with `suffix` (lower-cased wire form, `suffixLength` bytes) at a label boundary.
    @inline(__always)
    static func hasSuffix(
        _ key: UnsafeRawBufferPointer, labels: UnsafeBufferPointer<UInt8>, suffixLength: Int,
        suffix: UnsafeRawBufferPointer
    ) -> Bool {
        let start = key.count - suffixLength
        guard start >= 0, let keyBase = key.baseAddress, let suffixBase = suffix.baseAddress,
            labels.contains(UInt8(truncatingIfNeeded: start)) || start == 0
        else { return false }
        return memcmp(keyBase + start, suffixBase, suffixLength) == 0
    }

    static func hasSuffix(
        _ key: UnsafeRawBufferPointer, labels: UnsafeBufferPointer<UInt8>, suffixLength: Int, suffix: [UInt8]
    ) -> Bool {
        suffix.withUnsafeBytes { hasSuffix(key, labels: labels, suffixLength: suffixLength, suffix: $0) }
    }
}

/// A name under `in-addr.arpa.` or `ip6.arpa.` read as an address prefix.
struct ReverseName {
    enum Family { case v4, v6 }

    let family: Family
    /// The address bits read so far, right-aligned (`1.1.127.in-addr.arpa` gives 0x7F0101 with 24 bits).
    let value: UInt128
    let bits: Int
    /// Labels between the name and `in-addr.arpa` / `ip6.arpa`.
    let labelsBelowSuffix: Int
    /// False when some label below the suffix is not an octet / nibble (such a name cannot exist).
    let isWellFormed: Bool

    var isComplete: Bool { isWellFormed && bits == (family == .v4 ? 32 : 128) }

    private static let inAddrArpa: [UInt8] = Array("\u{7}in-addr\u{4}arpa\u{0}".utf8)
    private static let ip6Arpa: [UInt8] = Array("\u{3}ip6\u{4}arpa\u{0}".utf8)

    /// Reads a lower-cased wire-form name with its label offsets; nil when it is not under a reverse tree.
    init?(_ key: UnsafeRawBufferPointer, labels: UnsafeBufferPointer<UInt8>) {
        let family: Family
        let suffixLength: Int
        if WireName.hasSuffix(key, labels: labels, suffixLength: Self.inAddrArpa.count, suffix: Self.inAddrArpa) {
            family = .v4
            suffixLength = Self.inAddrArpa.count
        } else if WireName.hasSuffix(key, labels: labels, suffixLength: Self.ip6Arpa.count, suffix: Self.ip6Arpa) {
            family = .v6
            suffixLength = Self.ip6Arpa.count
        } else {
            return nil
        }
        let below = labels.count - 2
        var value: UInt128 = 0
        var bits = 0
        var wellFormed = true
        // From the label nearest the suffix (the most significant part) to the first.
        for labelIndex in stride(from: below - 1, through: 0, by: -1) {
            let start = Int(labels[labelIndex])
            let length = Int(key[start])
            let limit = family == .v4 ? 32 : 128
            guard bits < limit,
                let part = Self.component(
                    UnsafeRawBufferPointer(rebasing: key[(start + 1)..<(start + 1 + length)]), family: family)
            else {
                wellFormed = false
                break
            }
            let width = family == .v4 ? 8 : 4
            value = value << UInt128(width) | UInt128(part)
            bits += width
        }
        _ = suffixLength
        self.family = family
        self.value = value
        self.bits = bits
        self.labelsBelowSuffix = below
        self.isWellFormed = wellFormed
    }

    /// An octet (`0`…`255`, no leading zeros) or a nibble (`0`…`f`).
    private static func component(_ label: UnsafeRawBufferPointer, family: Family) -> UInt8? {
        switch family {
        case .v4:
            guard (1...3).contains(label.count), label.count == 1 || label[0] != UInt8(ascii: "0") else { return nil }
            var value = 0
            for byte in label {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value <= 255 ? UInt8(value) : nil
        case .v6:
            guard label.count == 1 else { return nil }
            switch label[0] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return label[0] - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return label[0] - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
