import DNSWire

/// Packs the records of a zone transfer reply into messages (RFC 5936 §2.2): the question in the first, each
/// message filled up to 16,383 octets (NSD's size: every compression pointer stays in range), owners compressed
/// against the zone's name, which ends every owner. `reserve` leaves room for the TSIG record each message gets.
struct TransferMessages {
    static let maximumSize = 16_383

    private let header: [UInt8]
    private let apexLength: Int
    private let limit: Int
    private var current: [UInt8] = []
    private var count = 0
    /// Where the zone's name stands in the message being filled, for owners to point at.
    private var apexOffset: Int?
    private(set) var messages: [[UInt8]] = []
    /// The OPT record the first message carries when the request had one (RFC 5936 §2.2.5).
    private let opt: [UInt8]?

    /// `request` gives the ID, RD and the question (echoed as asked); `apex` is the zone's lower-cased name.
    init(request: [UInt8], questionEnd: Int, apex: DNSName, reserve: Int, opt: [UInt8]? = nil) {
        // QR, AA, the opcode (QUERY) and RD from the request; NOERROR; every count but the question's set as the
        // messages fill.
        var header = Array(request[0..<12])
        header[2] = 0x80 | 0x04 | (request[2] & 0x01)
        header[3] = 0
        for index in 4..<12 { header[index] = 0 }
        self.header = header
        self.opt = opt
        apexLength = apex.wire.count
        limit = Self.maximumSize - reserve - (opt?.count ?? 0)
        current = header + request[12..<questionEnd]
        current[4] = 0
        current[5] = 1
        apexOffset = 12
    }

    /// Appends one record (its owner in lower-cased wire form, then type, class, TTL, RDLENGTH, RDATA).
    mutating func add(_ record: some Collection<UInt8>) {
        let record = Array(record)
        guard let ownerLength = Self.nameLength(record) else { return }
        let prefixLength = ownerLength - apexLength
        var encoded: [UInt8]
        if let offset = apexOffset {
            encoded = Array(record[0..<prefixLength]) + [UInt8(0xC0 | (offset >> 8)), UInt8(offset & 0xFF)]
        } else {
            encoded = Array(record[0..<ownerLength])
        }
        encoded += record[ownerLength...]
        if count > 0, current.count + encoded.count > limit {
            startMessage()
            encoded = Array(record)  // the first owner of a message is written whole
        }
        if apexOffset == nil { apexOffset = current.count + prefixLength }
        current += encoded
        count += 1
    }

    /// The messages, the last one included.
    mutating func finish() -> [[UInt8]] {
        close()
        return messages
    }

    private mutating func startMessage() {
        close()
        current = header
        current[4] = 0  // later messages carry no question (RFC 5936 §2.2)
        current[5] = 0
        apexOffset = nil
    }

    private mutating func close() {
        current[6] = UInt8(count >> 8)
        current[7] = UInt8(count & 0xFF)
        if messages.isEmpty, let opt {
            current += opt
            current[11] = 1
        }
        messages.append(current)
        count = 0
    }

    /// The length of the uncompressed name a record starts with.
    private static func nameLength(_ record: [UInt8]) -> Int? {
        var position = 0
        while position < record.count {
            let length = Int(record[position])
            if length == 0 { return position + 1 }
            position += 1 + length
        }
        return nil
    }
}
