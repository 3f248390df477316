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

extension CompiledZone {
    /// Looks a question up. `rotation` picks where a multi-record RRset starts, so that repeated answers for a
    /// name shared by several instances spread clients over them.
    ///
    /// ANY is answered minimally (RFC 8482): with the first RRset the name has.
    public func lookup(_ question: Question, rotation: Int = 0) -> ZoneAnswer {
        let name = question.name
        if name.isSubdomain(of: settings.origin) {
            return lookupForward(name, type: question.type, rotation: rotation)
        }
        if let reverse = ReverseName(name) {
            return lookupReverse(reverse, name: name, type: question.type, rotation: rotation)
        }
        return .notAuthoritative
    }

    /// The SOA of a zone served here. Negative answers carry it with TTL min(SOA TTL, MINIMUM) (RFC 2308 §5).
    public func soaRecord(apex: DNSName, forNegativeAnswer: Bool = false) -> ResourceRecord {
        let soa = SOAData(
            mname: settings.nameserver, rname: settings.hostmaster, serial: serial, refresh: settings.refresh,
            retry: settings.retry, expire: settings.expire, minimum: settings.negativeTTL)
        return ResourceRecord(
            name: apex, ttl: forNegativeAnswer ? settings.negativeAnswerTTL : settings.ttl, data: .soa(soa))
    }

    // MARK: - Forward zone

    private func lookupForward(_ name: DNSName, type: RRType, rotation: Int) -> ZoneAnswer {
        let apex = settings.origin
        if name == apex {
            return apexAnswer(apex, owner: name, type: type)
        }
        guard let node = forward[name] else {
            return ZoneAnswer(status: .nameError, apex: apex, answers: [], additionals: [])
        }
        var answer = ZoneAnswer(status: .exists, apex: apex, answers: [], additionals: [])
        if node.isNameserver {
            answer.answers = pick(type, from: nameserverRRsets(owner: name))
            return answer
        }
        // Only the asked type is gathered: this is the hot path, and most queries want A.
        func rrset(_ type: RRType) -> [RData] {
            switch type {
            case .a: return node.instances.compactMap { records[Int($0)].a.map(RData.a) }
            case .aaaa: return node.instances.flatMap { records[Int($0)].aaaa.map(RData.aaaa) }
            case .txt: return node.instances.map { txt(of: records[Int($0)]) }
            default: return []
            }
        }
        let data = type == .any ? ([RRType.a, .aaaa, .txt].lazy.map(rrset).first { !$0.isEmpty } ?? []) : rrset(type)
        answer.answers = rotate(data, by: rotation, owner: name)
        return answer
    }

    private func apexAnswer(_ apex: DNSName, owner: DNSName, type: RRType) -> ZoneAnswer {
        let soa = soaRecord(apex: owner)
        let ns = ResourceRecord(name: owner, ttl: settings.ttl, data: .ns(settings.nameserver))
        var answer = ZoneAnswer(status: .exists, apex: apex, answers: [], additionals: [])
        answer.answers = pick(type, from: [(.soa, [soa]), (.ns, [ns])])
        if answer.answers.first?.type == .ns, settings.nameserver.isSubdomain(of: settings.origin) {
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
        let start = data.count > 1 ? Int(UInt(bitPattern: rotation) % UInt(data.count)) : 0
        return (0..<data.count).map { offset in
            ResourceRecord(name: owner, ttl: settings.ttl, data: data[(start + offset) % data.count])
        }
    }

    /// The RRset of `type`, or for ANY the first non-empty one.
    private func pick(_ type: RRType, from rrsets: [(RRType, [ResourceRecord])]) -> [ResourceRecord] {
        if type == .any {
            return rrsets.first { !$0.1.isEmpty }?.1 ?? []
        }
        return rrsets.first { $0.0 == type }?.1 ?? []
    }

    // MARK: - Reverse zones

    private func lookupReverse(_ reverse: ReverseName, name: DNSName, type: RRType, rotation: Int) -> ZoneAnswer {
        guard let apex = reverseApex(of: reverse, name: name) else { return .notAuthoritative }
        if name == apex {
            return apexAnswer(apex, owner: name, type: type)
        }
        let exists: Bool
        var targets: ArraySlice<Int32> = []
        switch reverse.family {
        case .v4 where reverse.isComplete:
            if let found = reverseV4.instances(at: UInt32(truncatingIfNeeded: reverse.value)) {
                targets = found
                exists = true
            } else {
                exists = false
            }
        case .v6 where reverse.isComplete:
            if let found = reverseV6.instances(at: reverse.value) {
                targets = found
                exists = true
            } else {
                exists = false
            }
        case .v4:
            exists =
                reverse.isWellFormed
                && reverseV4.containsPrefix(UInt32(truncatingIfNeeded: reverse.value), bits: reverse.bits)
        case .v6:
            exists = reverse.isWellFormed && reverseV6.containsPrefix(reverse.value, bits: reverse.bits)
        }
        guard exists else { return ZoneAnswer(status: .nameError, apex: apex, answers: [], additionals: []) }
        let ptrs = targets.map { RData.ptr(records[Int($0)].canonicalName) }
        return ZoneAnswer(
            status: .exists, apex: apex, answers: pick(type, from: [(.ptr, rotate(ptrs, by: rotation, owner: name))]),
            additionals: [])
    }

    /// The reverse zone this name falls in: the /24 or /64 of an instance address, or a configured zone.
    private func reverseApex(of reverse: ReverseName, name: DNSName) -> DNSName? {
        switch reverse.family {
        case .v4 where reverse.bits >= 24:
            let prefix = UInt32(truncatingIfNeeded: reverse.value >> UInt128(reverse.bits - 24))
            if reverseV4.zones.contains(prefix) {
                return name.droppingFirstLabels(reverse.labelsBelowSuffix - 3)
            }
        case .v6 where reverse.bits >= 64:
            let prefix = reverse.value >> UInt128(reverse.bits - 64)
            if reverseV6.zones.contains(prefix) {
                return name.droppingFirstLabels(reverse.labelsBelowSuffix - 16)
            }
        default:
            break
        }
        return extraReverseZones.first { name.isSubdomain(of: $0) }
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

    init?(_ name: DNSName) {
        let labels = name.lowercased().labels.map(Array.init)
        guard labels.count >= 2, labels[labels.count - 1] == Array("arpa".utf8) else { return nil }
        let suffix = labels[labels.count - 2]
        let family: Family
        if suffix == Array("in-addr".utf8) {
            family = .v4
        } else if suffix == Array("ip6".utf8) {
            family = .v6
        } else {
            return nil
        }
        let components = labels.dropLast(2).reversed()
        var value: UInt128 = 0
        var bits = 0
        var wellFormed = true
        for label in components {
            let limit = family == .v4 ? 32 : 128
            guard bits < limit, let part = Self.component(label, family: family) else {
                wellFormed = false
                break
            }
            let width = family == .v4 ? 8 : 4
            value = value << UInt128(width) | UInt128(part)
            bits += width
        }
        self.family = family
        self.value = value
        self.bits = bits
        self.labelsBelowSuffix = labels.count - 2
        self.isWellFormed = wellFormed
    }

    /// An octet (`0`…`255`, no leading zeros) or a nibble (`0`…`f`).
    private static func component(_ label: [UInt8], family: Family) -> UInt8? {
        switch family {
        case .v4:
            guard (1...3).contains(label.count), label.count == 1 || label[0] != UInt8(ascii: "0"),
                label.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let value = UInt8(String(decoding: label, as: UTF8.self))
            else { return nil }
            return value
        case .v6:
            guard label.count == 1, let value = UInt8(String(decoding: label, as: UTF8.self), radix: 16) else {
                return nil
            }
            return value
        }
    }
}
