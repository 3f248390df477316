/// The one answer every floor gives: the question echoed, then `QNAME A 10.0.0.1` (TTL 60), plus an OPT record
/// when the query carried additional records, as fedns answers a hit. About the size of fedns's answer to an A
/// query for an instance, and just as cheap to find: no lookup at all.
public enum FixedAnswer {
    /// The answer record after the question: a pointer to the question's name, A, IN, TTL 60, 10.0.0.1.
    static let record: [UInt8] = [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]
    /// OPT: root owner, type 41, 1232-byte payload, no extended flags, no options.
    static let opt: [UInt8] = [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]
    /// Large enough for any answer written here (a question is at most 12 + 255 + 4 bytes).
    public static let maxSize = 12 + 255 + 4 + 16 + 11

    /// Writes the answer to `query` into `reply`; returns its length, or 0 to drop the datagram (too short,
    /// a response, a question that does not parse, or a reply buffer that is too small).
    public static func write(answering query: UnsafeRawBufferPointer, into reply: UnsafeMutableRawBufferPointer) -> Int {
        guard query.count >= 12, query[2] & 0x80 == 0, let source = query.baseAddress, let target = reply.baseAddress
        else { return 0 }
        // The question's end: labels up to the root label, then type and class. Queries do not compress names.
        var offset = 12
        while offset < query.count, query[offset] != 0 {
            guard query[offset] <= 63 else { return 0 }
            offset += Int(query[offset]) + 1
        }
        let questionEnd = offset + 1 + 4
        guard questionEnd <= query.count else { return 0 }
        let hasOPT = query[10] != 0 || query[11] != 0
        let length = questionEnd + record.count + (hasOPT ? opt.count : 0)
        guard length <= reply.count else { return 0 }

        reply[0] = query[0]  // ID
        reply[1] = query[1]
        reply[2] = 0x80 | (query[2] & 0x79) | 0x04  // QR, the query's opcode and RD, AA
        reply[3] = 0  // NOERROR
        for (index, byte) in [0, 1, 0, 1, 0, 0, 0, hasOPT ? 1 : 0].enumerated() { reply[4 + index] = UInt8(byte) }
        (target + 12).copyMemory(from: source + 12, byteCount: questionEnd - 12)
        var position = questionEnd
        for byte in record { reply[position] = byte; position += 1 }
        if hasOPT { for byte in opt { reply[position] = byte; position += 1 } }
        return length
    }
}
