import NIOCore

extension MessageHeader {
    /// Reads the 12-octet header, or nil when the message is shorter than that.
    public init?(_ buffer: ByteBuffer) {
        guard buffer.readableBytes >= Self.size,
            let words = buffer.getBytes(at: buffer.readerIndex, length: Self.size)
        else { return nil }
        func word(_ index: Int) -> UInt16 { UInt16(words[index]) << 8 | UInt16(words[index + 1]) }
        self.init(
            id: word(0), flags: word(2), questionCount: word(4), answerCount: word(6), authorityCount: word(8),
            additionalCount: word(10))
    }
}

extension Message {
    /// Parses a whole message from the readable bytes of `buffer` (which is not consumed).
    ///
    /// Bytes after the last record are ignored, as NSD, BIND and PowerDNS do.
    public init(parsing buffer: ByteBuffer) throws(DNSWireError) {
        let result: Result<Message, DNSWireError> = buffer.withUnsafeReadableBytes { bytes in
            var reader = WireReader(bytes: bytes)
            return Result { () throws(DNSWireError) in try reader.readMessage() }
        }
        self = try result.get()
    }

    /// Parses a whole message from an array of bytes.
    public init(parsing bytes: [UInt8]) throws(DNSWireError) {
        try self.init(parsing: ByteBuffer(bytes: bytes))
    }
}

/// A bounds-checked cursor over one message. Every read checks the remaining length first, so no input can make
/// it read outside the message or trap.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    /// A name can hold at most 127 labels, so no legitimate name needs more pointer hops than that.
    static let maxPointerHops = 127

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func readUInt8(_ what: @autoclosure () -> String) throws(DNSWireError) -> UInt8 {
        guard position < bytes.count else { throw .truncated(what()) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws(DNSWireError) -> UInt16 {
        guard position + 2 <= bytes.count else { throw .truncated(what()) }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func readUInt32(_ what: @autoclosure () -> String) throws(DNSWireError) -> UInt32 {
        let high = try readUInt16(what())
        let low = try readUInt16(what())
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, position + count <= bytes.count else { throw .truncated(what()) }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// Reads a possibly compressed name. Pointers must point strictly before the pointer itself, so a chain
    /// always moves backwards and ends; the hop count is bounded as well.
    mutating func readName(_ what: @autoclosure () -> String) throws(DNSWireError) -> DNSName {
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        var cursor = position
        var hops = 0
        var resumeAt: Int? = nil
        while true {
            guard cursor < bytes.count else { throw .truncated(what()) }
            let length = bytes[cursor]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    wire.append(0)
                    guard wire.count <= DNSName.maxWireLength else { throw .nameTooLong }
                    position = resumeAt ?? (cursor + 1)
                    return DNSName(uncheckedWire: wire)
                }
                let labelEnd = cursor + 1 + Int(length)
                guard labelEnd <= bytes.count else { throw .truncated(what()) }
                guard wire.count + Int(length) + 2 <= DNSName.maxWireLength else { throw .nameTooLong }
                wire.append(length)
                wire.append(contentsOf: bytes[(cursor + 1)..<labelEnd])
                cursor = labelEnd
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw .truncated(what()) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < cursor else { throw .forwardCompressionPointer }
                hops += 1
                guard hops <= Self.maxPointerHops else { throw .tooManyCompressionPointers }
                if resumeAt == nil { resumeAt = cursor + 2 }
                cursor = target
            default:
                throw .unsupportedLabelType(length)
            }
        }
    }

    mutating func readCharacterString(_ what: @autoclosure () -> String) throws(DNSWireError) -> [UInt8] {
        let length = try readUInt8(what())
        return try readBytes(Int(length), what())
    }

    mutating func readQuestion() throws(DNSWireError) -> Question {
        let name = try readName("question name")
        let type = try readUInt16("question type")
        let qclass = try readUInt16("question class")
        return Question(name: name, type: RRType(type), qclass: RRClass(qclass))
    }

    enum Section: String {
        case answer, authority, additional
    }

    /// One record in wire order; OPT is returned separately because it is not a real record.
    enum ParsedRecord {
        case record(ResourceRecord)
        case opt(EDNS, owner: DNSName)
    }

    mutating func readRecord(in section: Section) throws(DNSWireError) -> ParsedRecord {
        let name = try readName("\(section) owner name")
        let type = RRType(try readUInt16("\(section) record type"))
        let rrClass = try readUInt16("\(section) record class")
        let ttl = try readUInt32("\(section) record TTL")
        let length = Int(try readUInt16("\(section) RDLENGTH"))
        guard length <= remaining else { throw .truncated("\(section) RDATA of \(type)") }
        let end = position + length
        if type == .opt {
            let options = try readOptions(until: end)
            return .opt(EDNS(classField: rrClass, ttlField: ttl, options: options), owner: name)
        }
        let data = try readRData(type: type, until: end)
        guard position == end else { throw .badRDataLength(type) }
        return .record(ResourceRecord(name: name, rrClass: RRClass(rrClass), ttl: ttl, data: data))
    }

    private mutating func readRData(type: RRType, until end: Int) throws(DNSWireError) -> RData {
        let what = "RDATA of \(type)"
        func checkInside(_ reader: WireReader) throws(DNSWireError) {
            guard reader.position <= end else { throw .badRDataLength(type) }
        }
        switch type {
        case .a:
            guard end - position == 4 else { throw .badRDataLength(type) }
            let raw = try readBytes(4, what)
            return IPv4Address(bytes: raw).map(RData.a) ?? .unknown(type: type, data: raw)
        case .aaaa:
            guard end - position == 16 else { throw .badRDataLength(type) }
            let raw = try readBytes(16, what)
            return IPv6Address(bytes: raw).map(RData.aaaa) ?? .unknown(type: type, data: raw)
        case .ns, .cname, .ptr:
            let target = try readName(what)
            try checkInside(self)
            switch type {
            case .ns: return .ns(target)
            case .cname: return .cname(target)
            default: return .ptr(target)
            }
        case .soa:
            let mname = try readName(what)
            let rname = try readName(what)
            try checkInside(self)
            let soa = SOAData(
                mname: mname, rname: rname, serial: try readUInt32(what), refresh: try readUInt32(what),
                retry: try readUInt32(what), expire: try readUInt32(what), minimum: try readUInt32(what))
            try checkInside(self)
            return .soa(soa)
        case .txt:
            var strings: [[UInt8]] = []
            while position < end {
                strings.append(try readCharacterString(what))
                try checkInside(self)
            }
            return .txt(strings)
        case .srv:
            let priority = try readUInt16(what)
            let weight = try readUInt16(what)
            let port = try readUInt16(what)
            let target = try readName(what)
            try checkInside(self)
            return .srv(SRVData(priority: priority, weight: weight, port: port, target: target))
        case .hinfo:
            let cpu = try readCharacterString(what)
            let os = try readCharacterString(what)
            try checkInside(self)
            return .hinfo(cpu: cpu, os: os)
        default:
            return .unknown(type: type, data: try readBytes(end - position, what))
        }
    }

    private mutating func readOptions(until end: Int) throws(DNSWireError) -> [EDNSOption] {
        var options: [EDNSOption] = []
        while position < end {
            guard end - position >= 4 else { throw .badOPT("option header runs past RDLENGTH") }
            let code = try readUInt16("OPT option code")
            let length = Int(try readUInt16("OPT option length"))
            guard position + length <= end else { throw .badOPT("option \(code) runs past RDLENGTH") }
            options.append(EDNSOption(code: code, data: try readBytes(length, "OPT option data")))
        }
        return options
    }

    mutating func readMessage() throws(DNSWireError) -> Message {
        let id = try readUInt16("header")
        let flags = try readUInt16("header")
        let counts = (
            question: try readUInt16("header"), answer: try readUInt16("header"),
            authority: try readUInt16("header"), additional: try readUInt16("header")
        )
        // Every question takes at least 5 octets and every record 11: counts that cannot fit are rejected before
        // any allocation is sized by them.
        let minimum =
            Int(counts.question) * 5 + (Int(counts.answer) + Int(counts.authority) + Int(counts.additional)) * 11
        guard minimum <= remaining else { throw .truncated("sections (counts exceed the message size)") }

        var message = Message(
            id: id, isResponse: flags & 0x8000 != 0, opcode: Opcode(rawValue: UInt8((flags >> 11) & 0x0F)),
            authoritative: flags & 0x0400 != 0, truncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, recursionAvailable: flags & 0x0080 != 0,
            authenticData: flags & 0x0020 != 0, checkingDisabled: flags & 0x0010 != 0,
            rcode: RCode(rawValue: flags & 0x000F))
        message.questions.reserveCapacity(Int(counts.question))
        for _ in 0..<counts.question {
            message.questions.append(try readQuestion())
        }
        for _ in 0..<counts.answer {
            guard case .record(let record) = try readRecord(in: .answer) else {
                throw .badOPT("OPT in the answer section")
            }
            message.answers.append(record)
        }
        for _ in 0..<counts.authority {
            guard case .record(let record) = try readRecord(in: .authority) else {
                throw .badOPT("OPT in the authority section")
            }
            message.authorities.append(record)
        }
        for _ in 0..<counts.additional {
            switch try readRecord(in: .additional) {
            case .record(let record):
                message.additionals.append(record)
            case .opt(let edns, let owner):
                guard message.edns == nil else { throw .badOPT("more than one OPT record") }
                guard owner.isRoot else { throw .badOPT("OPT owner is not the root") }
                message.edns = edns
                message.rcode = RCode(rawValue: UInt16(edns.extendedRCode) << 4 | message.rcode.rawValue)
            }
        }
        return message
    }
}
