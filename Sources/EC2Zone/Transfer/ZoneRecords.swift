import DNSWire

/// One zone's records as a zone transfer (RFC 5936) sends them. They are written by the code that answers
/// queries (`ZoneContent.answerRecords`), so a secondary holds exactly what a query gets.
public struct ZoneRecords: Sendable {
    /// The zone's apex, lower-cased.
    public let apex: DNSName
    /// The apex SOA as a whole record (owner, type, class, TTL, RDLENGTH, RDATA): first and last in a transfer.
    public let soa: [UInt8]
    /// Every other record, each its owner (lower-cased wire form) then type, class, TTL, RDLENGTH and RDATA,
    /// sorted by those bytes, so that two versions of a zone compare by merging.
    public let records: RecordList
    public let serial: UInt32
}

/// Resource records in one byte array, each a span of it: a zone of 100,000 instances holds half a million
/// records, and an array per record would cost more than the records.
public struct RecordList: Sendable, Hashable {
    public private(set) var bytes: [UInt8] = []
    /// Start (high 32 bits) and length (low 32 bits) of each record.
    private var spans: [UInt64] = []

    public init() {}

    public var count: Int { spans.count }

    public subscript(index: Int) -> ArraySlice<UInt8> {
        let span = spans[index]
        let start = Int(span >> 32)
        return bytes[start..<(start + Int(span & 0xFFFF_FFFF))]
    }

    public mutating func append(_ record: some Collection<UInt8>) {
        spans.append(UInt64(bytes.count) << 32 | UInt64(record.count))
        bytes.append(contentsOf: record)
    }

    /// Sorted by their bytes (and without repeats, which a zone's RRsets cannot have).
    public func sorted() -> RecordList {
        let order: [Int] = bytes.withUnsafeBytes { base in
            spans.indices.sorted { Self.precedes(span(spans[$0], in: base), span(spans[$1], in: base)) }
        }
        var result = RecordList()
        result.bytes.reserveCapacity(bytes.count)
        result.spans.reserveCapacity(spans.count)
        bytes.withUnsafeBytes { base in
            var previous: UnsafeRawBufferPointer?
            for index in order {
                let record = span(spans[index], in: base)
                if let previous, previous.elementsEqual(record) { continue }
                result.append(record)
                previous = record
            }
        }
        return result
    }

    /// What `older` held that this does not, and what this holds that `older` did not (both sorted).
    public func changes(since older: RecordList) -> (removed: RecordList, added: RecordList) {
        var removed = RecordList()
        var added = RecordList()
        older.bytes.withUnsafeBytes { oldBase in
            bytes.withUnsafeBytes { newBase in
                var old = 0
                var new = 0
                while old < older.count || new < count {
                    let oldRecord = old < older.count ? span(older.spans[old], in: oldBase) : nil
                    let newRecord = new < count ? span(spans[new], in: newBase) : nil
                    if let oldRecord, newRecord.map({ Self.precedes(oldRecord, $0) }) ?? true {
                        removed.append(oldRecord)
                        old += 1
                    } else if let newRecord, oldRecord.map({ Self.precedes(newRecord, $0) }) ?? true {
                        added.append(newRecord)
                        new += 1
                    } else {
                        old += 1
                        new += 1
                    }
                }
            }
        }
        return (removed, added)
    }

    private func span(_ span: UInt64, in base: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = Int(span >> 32)
        return UnsafeRawBufferPointer(rebasing: base[start..<(start + Int(span & 0xFFFF_FFFF))])
    }

    static func precedes(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        let common = min(left.count, right.count)
        if common > 0, let a = left.baseAddress, let b = right.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return order < 0 }
        }
        return left.count < right.count
    }
}

extension CompiledZone {
    /// The zones served here: the forward zone, the configured reverse zones, and the /24 and /64 of every
    /// instance address that no configured zone covers. (A name's zone is the one `locate` finds for it.)
    public var servedZones: [DNSName] {
        var zones = [settings.origin.lowercased()]
        zones += wire.extraReverseZoneKeys.compactMap { try? DNSName(wireForm: $0) }
        var seen = Set(zones)
        for prefix in reverseV4.zones.sorted() {
            let name = Self.reverseZoneName(v4Prefix: prefix)
            if apex(of: name) == name, seen.insert(name).inserted { zones.append(name) }
        }
        for prefix in reverseV6.zones.sorted() {
            let name = Self.reverseZoneName(v6Prefix: prefix)
            if apex(of: name) == name, seen.insert(name).inserted { zones.append(name) }
        }
        return zones
    }

    /// The zones whose names the configuration gives (the forward zone and `[dns] reverse_zones`): the ones
    /// secondaries are set up for, and NOTIFY announces. The /24s and /64s fedns serves for instance addresses come
    /// and go with the fleet.
    public var configuredZones: [DNSName] {
        [settings.origin.lowercased()] + wire.extraReverseZoneKeys.compactMap { try? DNSName(wireForm: $0) }
    }

    /// Every record of the zone at `apex`, or nil when no such zone is served here.
    public func records(ofZone apex: DNSName) -> ZoneRecords? {
        let apex = apex.lowercased()
        guard self.apex(of: apex) == apex else { return nil }
        var collector = RecordCollector(zone: self)
        if apex == settings.origin.lowercased() {
            for index in 0..<names.count {
                let key = Array(names.key(at: Int32(index)))
                let node = nodes[index]
                switch node.kind {
                case .apex: collector.collect(owner: key, location: .apex, types: [.ns])
                case .nameserver: collector.collect(owner: key, location: .nameserver, types: [.a, .aaaa])
                case .instances: collector.collect(owner: key, location: .instances(node), types: ZoneContent.instanceRecordTypes)
                }
            }
        } else {
            collector.collect(owner: apex.wire, location: .apex, types: [.ns])
            for name in reverseNames() {
                let key = name.wire
                let located = WireName.withKey(key) { key, labels, hash in locate(key, labels: labels, hash: hash) }
                guard case .reverse(_, let offset)? = located, Array(key[offset...]) == apex.wire,
                    let location = located
                else { continue }
                collector.collect(owner: key, location: location, types: [.ptr])
            }
        }
        var soa = apex.wire
        soa += wire.bytes[wire.soa]
        return ZoneRecords(apex: apex, soa: soa, records: collector.records.sorted(), serial: serial)
    }

    /// The apex of the zone `name` is in (lower-cased), if one is served here.
    func apex(of name: DNSName) -> DNSName? {
        let wireName = name.lowercased().wire
        let location = WireName.withKey(wireName) { key, labels, hash in locate(key, labels: labels, hash: hash) }
        switch location {
        case .apex?: return name.lowercased()
        case .nameError(let offset)?, .reverse(_, let offset)?: return name.lowercased().suffix(fromWireOffset: offset)
        case .nameserver?, .instances?: return settings.origin.lowercased()
        case .notAuthoritative?, nil: return nil
        }
    }

    /// The reverse name of every instance address, each once.
    private func reverseNames() -> [DNSName] {
        var names: [DNSName] = []
        var previous: UInt32?
        for address in reverseV4.addresses where address != previous {
            names.append(IPv4Address(value: address).reverseName)
            previous = address
        }
        var previous6: UInt128?
        for address in reverseV6.addresses where address != previous6 {
            names.append(IPv6Address(value: address).reverseName)
            previous6 = address
        }
        return names
    }

    static func reverseZoneName(v4Prefix prefix: UInt32) -> DNSName {
        let octets = [prefix & 0xFF, (prefix >> 8) & 0xFF, (prefix >> 16) & 0xFF].map { Array(String($0).utf8) }
        return (try? DNSName(labels: octets + [Array("in-addr".utf8), Array("arpa".utf8)])) ?? .root
    }

    static func reverseZoneName(v6Prefix prefix: UInt128) -> DNSName {
        let nibbles = (0..<16).map { index in
            Array(String((prefix >> UInt128(4 * index)) & 0xF, radix: 16).utf8)
        }
        return (try? DNSName(labels: nibbles + [Array("ip6".utf8), Array("arpa".utf8)])) ?? .root
    }
}

/// Writes the records of each owner through the answering code into a scratch reply, then splits them off.
private struct RecordCollector {
    let zone: CompiledZone
    var records = RecordList()
    private var scratch = [UInt8](repeating: 0, count: WireAnswerer.maxReplyLength)

    init(zone: CompiledZone) {
        self.zone = zone
    }

    mutating func collect(owner: [UInt8], location: ZoneLocation, types: [RRType]) {
        let zone = zone
        var found = RecordList()
        scratch.withUnsafeMutableBytes { scratch in
            guard let base = scratch.baseAddress else { return }
            zone.wire.bytes.withUnsafeBytes { records in
                zone.instanceWire.withUnsafeBufferPointer { instances in
                    guard let records = records.baseAddress else { return }
                    for type in types {
                        var writer = ReplyWriter(base: base, capacity: scratch.count)
                        var content = ZoneContent(
                            zone: zone, records: records, instances: instances, rotation: 0, nameLength: owner.count)
                        var glue = 0
                        let count = content.answerRecords(location, type: type, writer: &writer, glue: &glue)
                        // Each answer: the owner pointer (two bytes), then type, class, TTL, RDLENGTH, RDATA.
                        var position = 0
                        for _ in 0..<count {
                            let length = Int(base.load(fromByteOffset: position + 10, as: UInt8.self)) << 8
                                | Int(base.load(fromByteOffset: position + 11, as: UInt8.self))
                            let body = UnsafeRawBufferPointer(start: base + position + 2, count: 10 + length)
                            found.append(owner + body)
                            position += 12 + length
                        }
                    }
                }
            }
        }
        for index in 0..<found.count { records.append(found[index]) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
