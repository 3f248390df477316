import DNSWire
import FednsSupport
import Inventory

/// Every record the zone answers with, prebuilt in wire form in one byte array, so that answering copies bytes
/// instead of building values.
///
/// Instance records (A, AAAA, TXT, PTR, SSHFP) are complete resource records whose owner is the compression pointer to
/// offset 12 (`C0 0C`), where the question's name always starts: whichever of an instance's names was asked, the
/// answer's owner is the question's name, so the three names of an instance share one copy. The zone's own
/// records (SOA, NS, the name server's addresses) are kept without their owner, which the answer writes (a pointer
/// into the question, or for glue the name server's name).
struct WireRecords: Sendable {
    /// Where a record's data starts, past the owner pointer, type, class, TTL and RDLENGTH.
    static let rdataOffset = 12

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

        /// The same records after their bytes moved `distance` further on.
        func moved(by distance: Int32) -> InstanceRecordSet {
            func move(_ offset: Int32) -> Int32 { offset < 0 ? offset : offset + distance }
            var moved = self
            moved.a = move(a)
            moved.aaaa = move(aaaa)
            moved.txt = move(txt)
            moved.ptr = move(ptr)
            moved.sshfp = move(sshfp)
            return moved
        }
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

    /// The big-endian integer at `offset` (an address in a prebuilt A or AAAA record).
    func uint32(at offset: Int) -> UInt32 { bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
    func uint64(at offset: Int) -> UInt64 { bytes[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) } }

    struct Builder {
        private var bytes: [UInt8] = []
        private let settings: ZoneOptions
        let serial: UInt32
        var count: Int { bytes.count }

        init(settings: ZoneOptions, serial: UInt32) {
            self.settings = settings
            self.serial = serial
        }

        /// Makes room for `instances` instances' records, so the array rarely grows.
        mutating func reserve(instances: Int) {
            // About 16 (A) + 160 (TXT) + 50 (PTR), and AAAA for some: 230 bytes an instance in the scale bench's
            // fleet. Growing once past the estimate copies everything built so far, so it errs high. What is left
            // over costs address space, not memory: a block this large is mapped on its own (`MemoryReturn`) and
            // its untouched pages are never backed.
            bytes.reserveCapacity(instances * 256 + 512)
        }

        /// Appends an instance's records but its PTR (`addPTR`); returns where they are. Bytes are appended one field
        /// at a time, with no array made per record: this runs for every instance of every compile.
        mutating func add(_ record: InstanceRecords, of instance: Instance, labels: InstanceLabels) -> InstanceRecordSet {
            var set = InstanceRecordSet()
            if let a = record.a {
                set.a = Int32(bytes.count)
                let data = recordStart(type: .a, ttl: settings.ttl)
                appendUInt32(a.value)
                recordEnd(data)
            }
            if !record.aaaa.isEmpty {
                set.aaaa = Int32(bytes.count)
                set.aaaaCount = Int32(record.aaaa.count)
                for address in record.aaaa {
                    let data = recordStart(type: .aaaa, ttl: settings.ttl)
                    appendUInt32(UInt32(truncatingIfNeeded: address.value >> 96))
                    appendUInt32(UInt32(truncatingIfNeeded: address.value >> 64))
                    appendUInt32(UInt32(truncatingIfNeeded: address.value >> 32))
                    appendUInt32(UInt32(truncatingIfNeeded: address.value))
                    recordEnd(data)
                }
            }
            set.txt = Int32(bytes.count)
            let txt = recordStart(type: .txt, ttl: settings.ttl)
            CompiledZone.forEachTXTField(of: instance, labels: labels) { key, value in
                // A character-string holds at most 255 octets: `key=value` is cut there (tags are not rejected).
                let keyLength = key.utf8.count
                let length = min(keyLength + 1 + value.utf8.count, 255)
                bytes.append(UInt8(length))
                bytes.appendUTF8(key, limit: min(keyLength, length))
                if length > keyLength {
                    bytes.append(UInt8(ascii: "="))
                    bytes.appendUTF8(value, limit: length - keyLength - 1)
                }
            }
            recordEnd(txt)
            set.txtLength = Int32(bytes.count) - set.txt
            set.sshfp = Int32(bytes.count)
            CompiledZone.forEachSSHFP(of: instance) { algorithm, fingerprint in
                let data = recordStart(type: .sshfp, ttl: settings.ttl)
                bytes.append(algorithm)
                bytes.append(2)  // SHA-256
                bytes.append(contentsOf: fingerprint)
                recordEnd(data)
                set.sshfpCount += 1
            }
            return set
        }

        /// Appends the records `later` built (its offsets move by this builder's `count`).
        mutating func append(_ later: Builder) {
            bytes += later.bytes
        }

        /// Appends an instance's PTR record, to `relative` (wire-form labels) under the apex (`NAME.ec2.`, or
        /// `INSTANCE-ID.ec2.` when it has no NAME). Apart from the rest: which form owns each name is known only
        /// once every instance is named.
        mutating func addPTR(relative: ArraySlice<UInt8>, to set: inout InstanceRecordSet) {
            set.ptr = Int32(bytes.count)
            let ptr = recordStart(type: .ptr, ttl: settings.ttl)
            let apex = settings.origin.wire
            // A name is at most 255 octets; the zone's names are, but an id label under a long apex may not be.
            if relative.count + apex.count <= DNSName.maxWireLength { bytes.append(contentsOf: relative) }
            bytes.append(contentsOf: apex)
            recordEnd(ptr)
            set.ptrLength = Int32(bytes.count) - set.ptr
        }

        /// Writes `C0 0C`, type, class IN, TTL and a placeholder RDLENGTH; returns where the data starts.
        private mutating func recordStart(type: RRType, ttl: UInt32) -> Int {
            bytes.append(0xC0)
            bytes.append(0x0C)
            bytes.append(UInt8(type.rawValue >> 8))
            bytes.append(UInt8(type.rawValue & 0xFF))
            bytes.append(0)
            bytes.append(1)
            appendUInt32(ttl)
            bytes.append(0)
            bytes.append(0)
            return bytes.count
        }

        /// Fills in the RDLENGTH of the record whose data started at `data`.
        private mutating func recordEnd(_ data: Int) {
            let length = bytes.count - data
            bytes[data - 2] = UInt8(length >> 8)
            bytes[data - 1] = UInt8(length & 0xFF)
        }

        private mutating func appendUInt32(_ value: UInt32) {
            bytes.append(UInt8(value >> 24))
            bytes.append(UInt8((value >> 16) & 0xFF))
            bytes.append(UInt8((value >> 8) & 0xFF))
            bytes.append(UInt8(value & 0xFF))
        }

        /// The finished records. The bytes are moved out (the builder is left empty): a builder held in another
        /// value cannot be consumed, and appending to a shared copy would copy all of them.
        mutating func build() -> WireRecords {
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
            let nameserverName = aaaaEnd..<bytes.count
            var finished: [UInt8] = []
            swap(&finished, &bytes)
            return WireRecords(
                bytes: finished, soa: soa, negativeSOA: negativeSOA, ns: ns, nameserverA: aStart..<aaaaStart,
                nameserverAAAA: aaaaStart..<aaaaEnd, nameserverName: nameserverName,
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
