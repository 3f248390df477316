import DNSWire

/// Every record the zone answers with, prebuilt in wire form in one byte array, so that answering copies bytes
/// instead of building values.
///
/// Instance records (A, AAAA, TXT, PTR, SSHFP) are complete resource records whose owner is the compression pointer to
/// offset 12 (`C0 0C`), where the question's name always starts: whichever of an instance's names was asked, the
/// answer's owner is the question's name, so the three names of an instance share one copy. The zone's own
/// records (SOA, NS, the name server's addresses) are kept without their owner, which the answer writes (a pointer
/// into the question, or for glue the name server's name).
struct WireRecords: Sendable {
    /// Where one instance's records are in `bytes` (-1: none).
    struct InstanceRecordSet: Sendable {
        var a: Int32 = -1
        var aaaa: Int32 = -1
        var aaaaCount: Int32 = 0
        var txt: Int32 = -1
        var txtLength: Int32 = 0
        var ptr: Int32 = -1
        var ptrLength: Int32 = 0
        var sshfp: Int32 = -1
        var sshfpCount: Int32 = 0
    }

    /// `C0 0C`, type, class, TTL, RDLENGTH and four address octets.
    static let aRecordLength = 16
    /// `C0 0C`, type, class, TTL, RDLENGTH and sixteen address octets.
    static let aaaaRecordLength = 28
    /// `C0 0C`, type, class, TTL, RDLENGTH, algorithm, fingerprint type and a SHA-256 fingerprint.
    static let sshfpRecordLength = 46

    let bytes: [UInt8]
    /// The SOA after its owner, with the zone's TTL (the answer to an SOA query).
    let soa: Range<Int>
    /// The SOA after its owner, with TTL min(TTL, MINIMUM) (RFC 2308 §5): the authority of negative answers.
    let negativeSOA: Range<Int>
    /// The apex NS after its owner.
    let ns: Range<Int>
    /// The name server's A and AAAA records after their owner, one after another.
    let nameserverA: Range<Int>
    let nameserverAAAA: Range<Int>
    /// The name server's own name, the owner of glue records.
    let nameserverName: Range<Int>
    /// Whether the name server lies inside the zone (then the apex NS answer carries its addresses as glue).
    let nameserverInZone: Bool
    /// The apex, lower-cased, in wire form: the suffix of every forward name.
    let apexKey: [UInt8]
    var apexKeyLength: Int { apexKey.count }
    /// The configured extra reverse zones, lower-cased wire form, most specific first.
    let extraReverseZoneKeys: [[UInt8]]

    struct Builder {
        private var bytes: [UInt8] = []
        private let settings: ZoneOptions
        private let serial: UInt32

        init(settings: ZoneOptions, serial: UInt32) {
            self.settings = settings
            self.serial = serial
        }

        /// Appends an instance's records; returns where they are.
        mutating func add(_ record: InstanceRecords, txt: [[UInt8]], sshfp: [[UInt8]]) -> InstanceRecordSet {
            var set = InstanceRecordSet()
            if let a = record.a {
                set.a = Int32(bytes.count)
                appendRecord(type: .a, ttl: settings.ttl, data: a.bytes)
            }
            if !record.aaaa.isEmpty {
                set.aaaa = Int32(bytes.count)
                set.aaaaCount = Int32(record.aaaa.count)
                for address in record.aaaa { appendRecord(type: .aaaa, ttl: settings.ttl, data: address.bytes) }
            }
            set.txt = Int32(bytes.count)
            appendRecord(type: .txt, ttl: settings.ttl, data: txt.flatMap { [UInt8($0.count)] + $0 })
            set.txtLength = Int32(bytes.count) - set.txt
            set.ptr = Int32(bytes.count)
            appendRecord(type: .ptr, ttl: settings.ttl, data: record.canonicalName.wire)
            set.ptrLength = Int32(bytes.count) - set.ptr
            if !sshfp.isEmpty {
                set.sshfp = Int32(bytes.count)
                set.sshfpCount = Int32(sshfp.count)
                for data in sshfp { appendRecord(type: .sshfp, ttl: settings.ttl, data: data) }
            }
            return set
        }

        consuming func build() -> WireRecords {
            let soaData =
                settings.nameserver.wire + settings.hostmaster.wire
                + [serial, settings.refresh, settings.retry, settings.expire, settings.negativeTTL].flatMap(Self.bigEndian)
            let soa = appendAfterOwner(type: .soa, ttl: settings.ttl, data: soaData)
            let negativeSOA = appendAfterOwner(type: .soa, ttl: settings.negativeAnswerTTL, data: soaData)
            let ns = appendAfterOwner(type: .ns, ttl: settings.ttl, data: settings.nameserver.wire)
            let aStart = bytes.count
            for address in settings.nameserverIPv4 { _ = appendAfterOwner(type: .a, ttl: settings.ttl, data: address.bytes) }
            let aaaaStart = bytes.count
            for address in settings.nameserverIPv6 {
                _ = appendAfterOwner(type: .aaaa, ttl: settings.ttl, data: address.bytes)
            }
            let aaaaEnd = bytes.count
            bytes += settings.nameserver.wire
            return WireRecords(
                bytes: bytes, soa: soa, negativeSOA: negativeSOA, ns: ns, nameserverA: aStart..<aaaaStart,
                nameserverAAAA: aaaaStart..<aaaaEnd, nameserverName: aaaaEnd..<bytes.count,
                nameserverInZone: settings.nameserver.isSubdomain(of: settings.origin),
                apexKey: settings.origin.lowercased().wire,
                extraReverseZoneKeys: settings.extraReverseZones.sorted { $0.labelCount > $1.labelCount }.map {
                    $0.lowercased().wire
                })
        }

        private mutating func appendRecord(type: RRType, ttl: UInt32, data: [UInt8]) {
            bytes += [0xC0, 0x0C]
            _ = appendAfterOwner(type: type, ttl: ttl, data: data)
        }

        private mutating func appendAfterOwner(type: RRType, ttl: UInt32, data: [UInt8]) -> Range<Int> {
            let start = bytes.count
            bytes += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
            bytes += Self.bigEndian(ttl)
            bytes += [UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
            bytes += data
            return start..<bytes.count
        }

        private static func bigEndian(_ value: UInt32) -> [UInt8] {
            [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
    }
}
