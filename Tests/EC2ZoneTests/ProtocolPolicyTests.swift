import DNSWire
import FednsSupport
import Inventory
import Testing

@testable import EC2Zone

/// The authoritative-server policies NSD and Knot apply (see ../shared/reference/dns-behaviour.md).
@Suite("Protocol policy")
struct ProtocolPolicyTests {
    let exchange = Exchange()

    @Test("AA on in-zone answers, RD and CD copied, RA never set, ID kept")
    func headerFlags() throws {
        var query = Message.query(id: 0x1234, name: DNSName("appserver-1.ec2"), type: .a)
        query.checkingDisabled = true
        let reply = try #require(try exchange.send(query.encodedBytes()))
        #expect(reply.id == 0x1234)
        #expect(reply.authoritative)
        #expect(reply.recursionDesired)
        #expect(reply.checkingDisabled)
        #expect(!reply.recursionAvailable)
        query.recursionDesired = false
        #expect(try exchange.send(query.encodedBytes())?.recursionDesired == false)
    }

    @Test("OPT only when the query had one; 1232 advertised; DO echoed")
    func ednsEcho() throws {
        let plain = try #require(try exchange.ask("appserver-1.ec2", edns: nil))
        #expect(plain.edns == nil)
        let withEDNS = try #require(try exchange.ask("appserver-1.ec2", edns: EDNS(udpPayloadSize: 4096)))
        #expect(withEDNS.edns?.udpPayloadSize == 1232)
        #expect(withEDNS.edns?.version == 0)
        #expect(withEDNS.edns?.dnssecOK == false)
        let withDO = try #require(try exchange.ask("appserver-1.ec2", edns: EDNS(dnssecOK: true)))
        #expect(withDO.edns?.dnssecOK == true)
        let unknownOption = try #require(
            try exchange.ask("appserver-1.ec2", edns: EDNS(options: [EDNSOption(code: 65001, data: [1])])))
        #expect(unknownOption.rcode == .noError)
        #expect(unknownOption.edns?.options.isEmpty == true)
    }

    @Test("EDNS version above 0 gets BADVERS with an OPT of version 0 and no answer")
    func badVersion() throws {
        let reply = try #require(try exchange.ask("appserver-1.ec2", edns: EDNS(version: 1)))
        #expect(reply.rcode == .badVers)
        #expect(reply.edns?.version == 0)
        #expect(reply.answers.isEmpty)
    }

    @Test("out-of-zone REFUSED carries EDE 20 when the query had EDNS, and no OPT otherwise")
    func refusedEDE() throws {
        let reply = try #require(try exchange.ask("example.com"))
        #expect(reply.edns?.options.compactMap(\.extendedErrorInfoCode) == [20])
        #expect(try exchange.ask("example.com", edns: nil)?.edns == nil)
    }

    @Test("AXFR and IXFR are refused with EDE 18, over UDP and TCP", arguments: [RRType.axfr, .ixfr])
    func zoneTransfers(type: RRType) throws {
        for transport in [DNSTransport.udp, .tcp] {
            let reply = try #require(try exchange.ask("ec2", type, transport: transport))
            #expect(reply.rcode == .refused)
            #expect(reply.answers.isEmpty)
            #expect(reply.edns?.options.compactMap(\.extendedErrorInfoCode) == [18])
        }
    }

    @Test("no question, or two, is FORMERR")
    func questionCount() throws {
        var none = Message(id: 5)
        none.edns = EDNS()
        let noQuestion = try #require(try exchange.send(none.encodedBytes()))
        #expect(noQuestion.rcode == .formErr)
        var two = Message.query(id: 6, name: DNSName("a.ec2"), type: .a)
        two.questions.append(Question(name: DNSName("b.ec2"), type: .a))
        let twoQuestions = try #require(try exchange.send(two.encodedBytes()))
        #expect(twoQuestions.rcode == .formErr)
        #expect(twoQuestions.questions.isEmpty)
    }

    @Test("responses sent as queries and runts are dropped")
    func drops() throws {
        var response = Message.query(id: 7, name: DNSName("appserver-1.ec2"), type: .a)
        response.isResponse = true
        #expect(try exchange.send(response.encodedBytes()) == nil)
        #expect(try exchange.send([0x12, 0x34, 0x01]) == nil)
        #expect(try exchange.send([]) == nil)
    }

    @Test("malformed bodies get a header-only FORMERR with ID, opcode and RD copied")
    func formErr() throws {
        let bytes: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1]
        let reply = try #require(exchange.rawReply(bytes))
        #expect(reply == [0xAB, 0xCD, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("unknown opcodes get NOTIMP", arguments: [Opcode.iquery, .status, Opcode(rawValue: 3), .notify, .update])
    func notImplemented(opcode: Opcode) throws {
        let reply = try #require(try exchange.ask("appserver-1.ec2", opcode: opcode))
        #expect(reply.rcode == .notImp)
        #expect(reply.opcode == opcode)
        #expect(reply.answers.isEmpty)
    }

    @Test("classes other than IN are refused", arguments: [RRClass.chaos, .any, RRClass(4)])
    func otherClasses(qclass: RRClass) throws {
        let reply = try #require(try exchange.ask("appserver-1.ec2", qclass: qclass))
        #expect(reply.rcode == .refused)
        #expect(reply.answers.isEmpty)
    }

    @Test("the question is echoed byte for byte, mixed case included (0x20)")
    func questionEcho() throws {
        let query = Message.query(id: 8, name: DNSName("aPpSeRvEr-1.Ec2"), type: .a, edns: nil)
        let bytes = try query.encodedBytes()
        let reply = try #require(exchange.rawReply(bytes))
        #expect(Array(reply[12..<(12 + 21)]) == Array(bytes[12..<(12 + 21)]))
        let parsed = try Message(parsing: reply)
        #expect(parsed.answers.first?.name.description == "aPpSeRvEr-1.Ec2.")
    }

    /// A zone where one name has 100 instances: about 28 A records fit in 512 bytes and 70 in 1232.
    static func crowdedZone() -> CompiledZone {
        let instances = (0..<100).map { index in
            Instance(id: "i-\(1000 + index)", name: "crowd", region: "eu-west-1", privateIPv4: ["10.9.0.\(index)"])
        }
        return CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions())
    }

    @Test("a UDP answer over the client's limit is sent with TC=1 and no records")
    func truncation() throws {
        let exchange = Exchange(zone: Self.crowdedZone())
        for edns in [nil, EDNS(udpPayloadSize: 1232), EDNS(udpPayloadSize: 4096), EDNS(udpPayloadSize: 100)] {
            let reply = try #require(try exchange.ask("crowd.ec2", edns: edns))
            #expect(reply.truncated)
            #expect(reply.answers.isEmpty && reply.authorities.isEmpty)
            #expect(reply.questions.count == 1)
            #expect(reply.rcode == .noError)
            #expect((reply.edns != nil) == (edns != nil))
        }
        let tcp = try #require(try exchange.ask("crowd.ec2", edns: nil, transport: .tcp))
        #expect(!tcp.truncated)
        #expect(tcp.answers.count == 100)
    }

    @Test("a reply whose echoed questions alone pass the UDP limit is cut to the header with TC=1 (fuzz/corpus/dns/crash-84256ee7…)")
    func questionsAloneOverTheLimit() throws {
        // Nine 63-octet questions under an unassigned opcode: the NOTIMP echoes them all, 12 + 9 x 71 octets.
        var query = Message(id: 0x4242, opcode: Opcode(rawValue: 8), questions: try (0..<9).map { index in
            Question(name: try DNSName("\(index)\(String(repeating: "q", count: 61)).ec2"), type: .a)
        })
        for edns in [nil, EDNS(udpPayloadSize: 512)] {
            query.edns = edns
            let bytes = try query.encodedBytes()
            #expect(bytes.count > 512)
            let raw = try #require(exchange.rawReply(bytes))
            #expect(raw.count <= 512)
            let reply = try Message(parsing: raw)
            #expect(reply.id == 0x4242 && reply.rcode == .notImp && reply.truncated && reply.questions.isEmpty)
            #expect((reply.edns != nil) == (edns != nil))
            // Over TCP nothing is cut.
            let tcp = try #require(try exchange.send(bytes, transport: .tcp))
            #expect(tcp.questions.count == 9 && !tcp.truncated)
        }
        // The input the DNS fuzz target found: 378 octets whose compressed names echo as 517.
        let found = try #require(HexBytes.decode(Self.fuzzFound.filter { !$0.isWhitespace }))
        let raw = try #require(exchange.rawReply(found))
        #expect(raw.count <= 512)
        #expect(try Message(parsing: raw).truncated)
    }

    static let fuzzFound = """
        1230400000090000000000001c0001012c30400000090030400000090000000000001c0001012c304000000900000000000101310106304e
        033001030303030303030303030303300130c00c013001300130c00101300130c00c013001300130c00cfc30013009313501300130013001
        30c00cfc30013009303001300130010130c0300130c00c272727272727272727272727272727272727272727272727030303030303030301
        0d00010101300130c00c01300130000000000101310106304e033001030303030303030303030303300130c00c013001300130c001013001
        30c00c013001300130c00cfc3001300931350130013001300130c00cfc30013009303001300130010130c0300130c00c2727272727272727
        272727272727272727272727272727270303030303030303010d00010101300130c00c013001300130c00c013001300130c00101300130c0
        0c01300130c00cfc30013001300130c00c013001300130c00c0101300000000029000000000000000107
        """

    @Test("answers that fit are not truncated, at the 512 and 1232 limits")
    func fitsWithinLimit() throws {
        let instances = (0..<25).map { index in
            Instance(id: "i-\(2000 + index)", name: "pack", region: "eu-west-1", privateIPv4: ["10.8.0.\(index)"])
        }
        let exchange = Exchange(zone: CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions()))
        let reply = try #require(try exchange.ask("pack.ec2", edns: nil))
        #expect(!reply.truncated)
        #expect(reply.answers.count == 25)
        let large = try #require(try Exchange(zone: Self.crowdedZone()).ask("crowd.ec2", edns: EDNS(udpPayloadSize: 65000)))
        #expect(large.truncated)
    }
}

@Suite("Before the first inventory")
struct NotReadyTests {
    @Test("names in the zone answer SERVFAIL with EDE 14, never an empty zone's NXDOMAIN")
    func servfailUntilLoaded() throws {
        let exchange = Exchange(zone: .notReady(settings: ZoneOptions()))
        let reply = try #require(try exchange.ask("appserver-1.ec2"))
        #expect(reply.rcode == .servFail)
        #expect(reply.edns?.options.compactMap(\.extendedErrorInfoCode) == [14])
        #expect(try exchange.ask("example.com")?.rcode == .refused)
        #expect(try exchange.ask("ec2", .soa)?.rcode == .servFail)
    }
}
