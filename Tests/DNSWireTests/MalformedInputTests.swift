import NIOCore
import Testing
import TestSupport

@testable import DNSWire

/// Header for a query with the given section counts.
private func header(qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    [0xAB, 0xCD, 0x01, 0x00] + [qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
}

private let webEC2: [UInt8] = [3] + Array("web".utf8) + [3] + Array("ec2".utf8) + [0]
private let typeAClassIN: [UInt8] = [0, 1, 0, 1]

@Suite("Malformed input")
struct MalformedInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let expected: DNSWireError?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", bytes: [], expected: .truncated("header")),
        Case(name: "header only, one question", bytes: header(), expected: .truncated("sections (counts exceed the message size)")),
        Case(name: "question cut inside the name", bytes: header() + [3, 119, 101], expected: nil),
        Case(name: "question without type and class", bytes: header() + webEC2, expected: nil),
        Case(name: "pointer to itself at offset 12", bytes: header() + [0xC0, 0x0C] + typeAClassIN, expected: .forwardCompressionPointer),
        Case(name: "forward pointer", bytes: header() + [0xC0, 0x20] + typeAClassIN + Array(repeating: 0, count: 20), expected: .forwardCompressionPointer),
        Case(name: "label type 0x40 (length 65)", bytes: header() + [0x41] + Array(repeating: 97, count: 65) + [0] + typeAClassIN, expected: .unsupportedLabelType(0x41)),
        Case(name: "label type 0x80", bytes: header() + [0x80, 0] + typeAClassIN, expected: .unsupportedLabelType(0x80)),
        Case(
            name: "name of 256 octets", bytes: header() + Array(repeating: [63] + Array(repeating: 97, count: 63), count: 4).flatMap { $0 } + [0] + typeAClassIN,
            expected: .nameTooLong),
        Case(name: "counts larger than the message", bytes: header(qd: 1, an: 0xFFFF) + webEC2 + typeAClassIN, expected: .truncated("sections (counts exceed the message size)")),
        Case(
            name: "A record with 3 octets of RDATA",
            bytes: header(an: 1) + webEC2 + typeAClassIN + [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 1, 2, 3],
            expected: .badRDataLength(.a)),
        Case(
            name: "RDLENGTH past the end",
            bytes: header(an: 1) + webEC2 + typeAClassIN + [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 9, 1, 2, 3, 4],
            expected: nil),
        Case(
            name: "NS whose name runs past RDLENGTH",
            bytes: header(an: 1) + webEC2 + typeAClassIN + [0xC0, 0x0C, 0, 2, 0, 1, 0, 0, 0, 60, 0, 2] + webEC2,
            expected: .badRDataLength(.ns)),
        Case(name: "OPT in the answer section", bytes: header(an: 1) + webEC2 + typeAClassIN + [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0], expected: .badOPT("OPT in the answer section")),
        Case(
            name: "two OPT records", bytes: header(ar: 2) + webEC2 + typeAClassIN + [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0] + [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0],
            expected: .badOPT("more than one OPT record")),
        Case(name: "OPT not owned by the root", bytes: header(ar: 1) + webEC2 + typeAClassIN + [0xC0, 0x0C, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0], expected: .badOPT("OPT owner is not the root")),
        Case(
            name: "EDNS option longer than the OPT RDATA",
            bytes: header(ar: 1) + webEC2 + typeAClassIN + [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 6, 0, 10, 0, 8, 1, 2],
            expected: .badOPT("option 10 runs past RDLENGTH")),
    ]

    @Test("malformed messages are errors", arguments: cases)
    func rejects(_ testCase: Case) {
        do {
            let message = try Message(parsing: testCase.bytes)
            Issue.record("parsed \(message) from malformed input")
        } catch {
            if let expected = testCase.expected {
                #expect(error == expected)
            }
        }
    }

    @Test("a long but legal chain of backward pointers is followed")
    func pointerChain() throws {
        // Question `a.b.c.ec2` then answers whose owners are pointers into it: legal and parsed.
        var bytes = header(qd: 1, an: 2)
        bytes += [1, 97, 1, 98, 1, 99, 3] + Array("ec2".utf8) + [0] + typeAClassIN
        bytes += [0xC0, 14, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 1, 1, 1]  // owner b.c.ec2
        bytes += [1, 120, 0xC0, 16, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 2, 2, 2, 2]  // owner x.c.ec2
        let message = try Message(parsing: bytes)
        #expect(message.answers.map(\.name.description) == ["b.c.ec2.", "x.c.ec2."])
    }

    @Test("random and mutated inputs never trap and always end")
    func fuzz() throws {
        var generator = SplitMix64(seed: 0x5EED)
        let valid = try sampleResponse().encodedBytes()
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = valid
                for _ in 0..<(1 + Int(generator.next() % 8)) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
                if generator.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            } else {
                bytes = (0..<Int(generator.next() % 600)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            if let message = try? Message(parsing: bytes) {
                // Whatever parses must encode again.
                _ = try? message.encodedBytes()
            }
        }
    }
}
