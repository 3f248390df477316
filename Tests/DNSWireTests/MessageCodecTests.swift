import NIOCore
import Testing

@testable import DNSWire

/// A response exercising every record type the codec knows, plus an unknown one and EDNS options.
func sampleResponse() throws -> Message {
    let owner = DNSName("Web-1.EC2")
    let zone = DNSName("ec2")
    let soa = SOAData(
        mname: DNSName("ns.ec2"), rname: DNSName("hostmaster.ec2"), serial: 2_026_112_101, refresh: 3600,
        retry: 600, expire: 86400, minimum: 30)
    return Message(
        id: 0xBEEF, isResponse: true, opcode: .query, authoritative: true, recursionDesired: true,
        checkingDisabled: true, rcode: .noError, questions: [Question(name: owner, type: .any)],
        answers: [
            ResourceRecord(name: owner, ttl: 60, data: .a(IPv4Address(10, 0, 1, 11))),
            ResourceRecord(name: owner, ttl: 60, data: .aaaa(try #require(IPv6Address("2001:db8::11")))),
            ResourceRecord(name: owner, ttl: 60, data: .txt(["instance-id=i-1", "region=eu-west-1", ""])),
            ResourceRecord(name: owner, ttl: 60, data: .cname(DNSName("web-2.ec2"))),
            ResourceRecord(
                name: DNSName("_ssh._tcp.web-1.ec2"), ttl: 60,
                data: .srv(SRVData(priority: 0, weight: 5, port: 22, target: owner))),
            ResourceRecord(name: owner, ttl: 60, data: .hinfo(cpu: Array("RFC8482".utf8), os: [])),
            ResourceRecord(name: owner, ttl: 60, data: .unknown(type: RRType(65280), data: [1, 2, 3])),
        ],
        authorities: [
            ResourceRecord(name: zone, ttl: 30, data: .soa(soa)),
            ResourceRecord(name: zone, ttl: 60, data: .ns(DNSName("ns.ec2"))),
        ],
        additionals: [
            ResourceRecord(name: DNSName("11.1.0.10.in-addr.arpa"), ttl: 60, data: .ptr(owner))
        ],
        edns: EDNS(
            udpPayloadSize: 1232, dnssecOK: true,
            options: [.extendedError(.notAuthoritative, text: "x"), EDNSOption(code: 65001, data: [9])]))
}

@Suite("Message codec")
struct MessageCodecTests {
    @Test("every record type survives encode then parse")
    func roundTrip() throws {
        let message = try sampleResponse()
        let parsed = try Message(parsing: try message.encodedBytes())
        #expect(parsed == message)
    }

    @Test("a 12-bit RCODE is split between the header and OPT and joined again")
    func extendedRCode() throws {
        var message = Message(id: 1, isResponse: true, rcode: .badVers, edns: EDNS())
        let bytes = try message.encodedBytes()
        #expect(bytes[3] & 0x0F == 0)  // BADVERS = 16: low bits 0, high bits in OPT
        let parsed = try Message(parsing: bytes)
        #expect(parsed.rcode == .badVers)
        #expect(parsed.edns?.extendedRCode == 1)
        message.edns?.extendedRCode = 1
        #expect(parsed == message)
    }

    @Test("names are compressed against the question, whose bytes are written verbatim")
    func compression() throws {
        let question = DNSName("WeB-1.Ec2")
        let message = Message(
            id: 7, isResponse: true, questions: [Question(name: question, type: .a)],
            answers: [ResourceRecord(name: DNSName("web-1.ec2"), ttl: 60, data: .a(IPv4Address(1, 2, 3, 4)))],
            authorities: [ResourceRecord(name: DNSName("ec2"), ttl: 60, data: .ns(DNSName("ns.ec2")))])
        let bytes = try message.encodedBytes()
        // Question name at offset 12, exactly as given.
        let expectedQuestion: [UInt8] = [5] + Array("WeB-1".utf8) + [3] + Array("Ec2".utf8) + [0]
        #expect(Array(bytes[12..<23]) == expectedQuestion)
        // Answer owner: a pointer to offset 12.
        #expect(Array(bytes[27..<29]) == [0xC0, 0x0C])
        // Authority owner `ec2.` points into the question's suffix (offset 18).
        let authorityOwner = 27 + 2 + 10 + 4
        #expect(Array(bytes[authorityOwner..<(authorityOwner + 2)]) == [0xC0, 18])
        #expect(try Message(parsing: bytes) == message)
        // Uncompressed, the same message would be longer.
        let uncompressedSize = 12 + 15 + (11 + 10 + 4) + (5 + 10 + 8)
        #expect(bytes.count < uncompressedSize)
    }

    @Test("SRV targets are not compressed (RFC 2782)")
    func srvTargetUncompressed() throws {
        let target = DNSName("web-1.ec2")
        let message = Message(
            id: 1, isResponse: true, questions: [Question(name: target, type: .srv)],
            answers: [
                ResourceRecord(name: target, ttl: 1, data: .srv(SRVData(priority: 1, weight: 2, port: 22, target: target)))
            ])
        let bytes = try message.encodedBytes()
        #expect(Array(bytes.suffix(target.wire.count)) == target.wire)
    }

    @Test("a query built by Message.query has one question, RD and OPT")
    func queryShape() throws {
        let query = Message.query(id: 9, name: DNSName("a.ec2"), type: .aaaa)
        let parsed = try Message(parsing: try query.encodedBytes())
        #expect(parsed.questions == [Question(name: DNSName("a.ec2"), type: .aaaa)])
        #expect(parsed.recursionDesired)
        #expect(parsed.edns?.udpPayloadSize == 1232)
        #expect(!parsed.isResponse)
    }

    @Test("bytes after the last record are ignored, as NSD and BIND do")
    func trailingGarbage() throws {
        let query = Message.query(id: 9, name: DNSName("a.ec2"), type: .a, edns: nil)
        let parsed = try Message(parsing: try query.encodedBytes() + [1, 2, 3])
        #expect(parsed == query)
    }

    @Test("header alone is readable for FORMERR replies")
    func headerOnly() {
        let header = MessageHeader(ByteBuffer(bytes: [0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]))
        #expect(header?.id == 0x1234)
        #expect(header?.isResponse == true)
        #expect(header?.recursionDesired == true)
        #expect(header?.questionCount == 1)
        #expect(MessageHeader(ByteBuffer(bytes: [0x12, 0x34, 0x01])) == nil)
    }

    @Test("presentation text of RDATA matches dig +short")
    func presentation() throws {
        #expect(RData.a(IPv4Address(10, 0, 0, 1)).presentation == "10.0.0.1")
        #expect(RData.txt(["a b", "q\"x"]).presentation == "\"a b\" \"q\\\"x\"")
        #expect(RData.ptr(DNSName("web.ec2")).presentation == "web.ec2.")
        #expect(RData.unknown(type: RRType(65280), data: [0xAB, 1]).presentation == "\\# 2 AB01")
        // SSHFP (RFC 4255 §3.2): algorithm, fingerprint type, hex; too short for that, the generic form.
        #expect(RData.unknown(type: .sshfp, data: [4, 2, 0xD1, 0x35, 0x0F]).presentation == "4 2 D1350F")
        #expect(RData.unknown(type: .sshfp, data: [4]).presentation == "\\# 1 04")
        #expect(RRType(text: "sshfp") == .sshfp && RRType.sshfp.description == "SSHFP")
        #expect(RRType(text: "aaaa") == .aaaa)
        #expect(RRType(text: "TYPE65280") == RRType(65280))
        #expect(RRType(65280).description == "TYPE65280")
        #expect(RRType(text: "nonsense") == nil)
    }
}
