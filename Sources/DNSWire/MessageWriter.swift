import NIOCore

extension Message {
    /// Appends the wire form of the message to `buffer`, compressing names (RFC 1035 §4.1.4).
    ///
    /// The first name written is never compressed, so a question is echoed byte for byte (0x20 case included),
    /// and later names that end the same way point back into it, as NSD and Knot do.
    public func write(into buffer: inout ByteBuffer) throws(DNSWireError) {
        var failure: DNSWireError?
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: NameCompressor.capacity) { table in
            var writer = MessageWriter(start: buffer.writerIndex, compressor: NameCompressor(table: table))
            do throws(DNSWireError) {
                try writer.write(self, into: &buffer)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// The wire form as a fresh buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(DNSWireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 512)
        try write(into: &buffer)
        return buffer
    }

    /// The wire form as bytes.
    public func encodedBytes() throws(DNSWireError) -> [UInt8] {
        var buffer = try encoded()
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

/// Remembers where labels were written so later names can point at them. The table lives on the stack for the
/// duration of one message; when it is full, names are simply written uncompressed.
struct NameCompressor {
    static let capacity = 96
    let table: UnsafeMutableBufferPointer<UInt16>
    var count = 0

    init(table: UnsafeMutableBufferPointer<UInt16>) { self.table = table }

    mutating func remember(_ offset: Int) {
        guard count < table.count, offset < 0x3FFF else { return }
        table[count] = UInt16(offset)
        count += 1
    }

    /// The offset of an earlier name equal (ignoring case) to `wire[index...]`, if any.
    func find(_ wire: [UInt8], from index: Int, in buffer: ByteBuffer, start: Int) -> UInt16? {
        for slot in 0..<count where matches(wire, from: index, at: Int(table[slot]), in: buffer, start: start) {
            return table[slot]
        }
        return nil
    }

    private func matches(_ wire: [UInt8], from index: Int, at offset: Int, in buffer: ByteBuffer, start: Int) -> Bool {
        var cursor = offset
        var index = index
        // Everything in the table was written by this writer, so pointers are valid and point backwards.
        while true {
            guard var length = buffer.getInteger(at: start + cursor, as: UInt8.self) else { return false }
            while length & 0xC0 == 0xC0 {
                guard let low = buffer.getInteger(at: start + cursor + 1, as: UInt8.self) else { return false }
                cursor = Int(length & 0x3F) << 8 | Int(low)
                guard let next = buffer.getInteger(at: start + cursor, as: UInt8.self) else { return false }
                length = next
            }
            guard wire[index] == length else { return false }
            if length == 0 { return true }
            for offset in 1...Int(length) {
                guard let byte = buffer.getInteger(at: start + cursor + offset, as: UInt8.self),
                    asciiLowercase(byte) == asciiLowercase(wire[index + offset])
                else { return false }
            }
            cursor += Int(length) + 1
            index += Int(length) + 1
        }
    }
}

struct MessageWriter {
    /// Where the message starts in the buffer; compression offsets are relative to it.
    let start: Int
    var compressor: NameCompressor

    mutating func write(_ message: Message, into buffer: inout ByteBuffer) throws(DNSWireError) {
        func count(_ value: Int, _ what: String) throws(DNSWireError) -> UInt16 {
            guard value <= Int(UInt16.max) else { throw .valueTooLarge(what) }
            return UInt16(value)
        }
        buffer.writeInteger(message.id)
        buffer.writeInteger(message.flags)
        buffer.writeInteger(try count(message.questions.count, "question count"))
        buffer.writeInteger(try count(message.answers.count, "answer count"))
        buffer.writeInteger(try count(message.authorities.count, "authority count"))
        buffer.writeInteger(try count(message.additionals.count + (message.edns == nil ? 0 : 1), "additional count"))
        for question in message.questions {
            writeName(question.name, compress: true, into: &buffer)
            buffer.writeInteger(question.type.rawValue)
            buffer.writeInteger(question.qclass.rawValue)
        }
        for record in message.answers { try writeRecord(record, into: &buffer) }
        for record in message.authorities { try writeRecord(record, into: &buffer) }
        for record in message.additionals { try writeRecord(record, into: &buffer) }
        if var edns = message.edns {
            edns.extendedRCode = message.rcode.extendedBits
            try writeOPT(edns, into: &buffer)
        }
        guard buffer.writerIndex - start <= Int(UInt16.max) else { throw .messageTooLarge }
    }

    mutating func writeName(_ name: DNSName, compress: Bool, into buffer: inout ByteBuffer) {
        let wire = name.wire
        var index = 0
        while wire[index] != 0 {
            if compress, let target = compressor.find(wire, from: index, in: buffer, start: start) {
                buffer.writeInteger(0xC000 | target)
                return
            }
            compressor.remember(buffer.writerIndex - start)
            let length = Int(wire[index])
            buffer.writeBytes(wire[index...(index + length)])
            index += length + 1
        }
        buffer.writeInteger(UInt8(0))
    }

    private mutating func writeRecord(_ record: ResourceRecord, into buffer: inout ByteBuffer) throws(DNSWireError) {
        writeName(record.name, compress: true, into: &buffer)
        buffer.writeInteger(record.type.rawValue)
        buffer.writeInteger(record.rrClass.rawValue)
        buffer.writeInteger(record.ttl)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        try writeRData(record.data, into: &buffer)
        try patchLength(at: lengthIndex, in: &buffer)
    }

    private func patchLength(at lengthIndex: Int, in buffer: inout ByteBuffer) throws(DNSWireError) {
        let length = buffer.writerIndex - lengthIndex - 2
        guard length <= Int(UInt16.max) else { throw .valueTooLarge("RDATA") }
        buffer.setInteger(UInt16(length), at: lengthIndex)
    }

    private func writeCharacterString(_ bytes: [UInt8], into buffer: inout ByteBuffer) throws(DNSWireError) {
        guard bytes.count <= 255 else { throw .valueTooLarge("character-string of \(bytes.count) octets") }
        buffer.writeInteger(UInt8(bytes.count))
        buffer.writeBytes(bytes)
    }

    private mutating func writeRData(_ data: RData, into buffer: inout ByteBuffer) throws(DNSWireError) {
        switch data {
        case .a(let address):
            buffer.writeInteger(address.value)
        case .aaaa(let address):
            buffer.writeInteger(UInt64(truncatingIfNeeded: address.value >> 64))
            buffer.writeInteger(UInt64(truncatingIfNeeded: address.value))
        case .ns(let name), .cname(let name), .ptr(let name):
            writeName(name, compress: true, into: &buffer)
        case .soa(let soa):
            writeName(soa.mname, compress: true, into: &buffer)
            writeName(soa.rname, compress: true, into: &buffer)
            buffer.writeMultipleIntegers(soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum)
        case .txt(let strings):
            for string in strings { try writeCharacterString(string, into: &buffer) }
        case .srv(let srv):
            buffer.writeMultipleIntegers(srv.priority, srv.weight, srv.port)
            // RFC 2782: the target is not compressed.
            writeName(srv.target, compress: false, into: &buffer)
        case .hinfo(let cpu, let os):
            try writeCharacterString(cpu, into: &buffer)
            try writeCharacterString(os, into: &buffer)
        case .unknown(_, let bytes):
            buffer.writeBytes(bytes)
        }
    }

    private func writeOPT(_ edns: EDNS, into buffer: inout ByteBuffer) throws(DNSWireError) {
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(RRType.opt.rawValue)
        buffer.writeInteger(edns.udpPayloadSize)
        buffer.writeInteger(edns.ttlField)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        for option in edns.options {
            guard option.data.count <= Int(UInt16.max) else { throw .valueTooLarge("EDNS option \(option.code)") }
            buffer.writeInteger(option.code)
            buffer.writeInteger(UInt16(option.data.count))
            buffer.writeBytes(option.data)
        }
        try patchLength(at: lengthIndex, in: &buffer)
    }
}
