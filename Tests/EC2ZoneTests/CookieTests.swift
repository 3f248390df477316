import DNSWire
import FednsSupport
import NIOCore
import Testing

@testable import EC2Zone

/// RFC 9018's worked examples (Appendix A), byte for byte: a server cookie made here is one BIND, Knot, NSD or
/// any other RFC 9018 server sharing the secret accepts, and the other way round.
@Suite("DNS Cookies (RFC 7873, RFC 9018)")
struct CookieTests {
    static func bytes(_ hex: String) -> [UInt8] { HexBytes.decode(hex)! }
    static func client(_ ip: String) -> ClientAddress { ClientAddress(try! SocketAddress(ipAddress: ip, port: 53))! }
    static func cookies(_ secrets: String..., at time: UInt32) -> ServerCookies {
        ServerCookies(secrets: secrets.map { ServerCookies.Secret(bytes($0))! }, clock: { time })
    }

    static let secret = "e5e973e5a6b2a43f48e7dc849e37bfcf"

    @Test("A.1: a client cookie alone from 198.51.100.100 gets a fresh server cookie")
    func firstCookie() {
        let (outcome, reply) = Self.cookies(Self.secret, at: 1_559_731_985)
            .respond(to: Self.bytes("2464c4abcf10c957"), client: Self.client("198.51.100.100"))
        #expect(outcome == .answered(verified: false))
        #expect(reply == Self.bytes("2464c4abcf10c957" + "010000005cf79f111f8130c3eee29480"))
    }

    @Test("A.2: the same cookie 40 minutes later is verified and, past half its life, renewed")
    func renewal() {
        let (outcome, reply) = Self.cookies(Self.secret, at: 1_559_734_385)
            .respond(to: Self.bytes("2464c4abcf10c957010000005cf79f111f8130c3eee29480"), client: Self.client("198.51.100.100"))
        #expect(outcome == .answered(verified: true))
        #expect(reply == Self.bytes("2464c4abcf10c957" + "010000005cf7a871d4a564a1442aca77"))
    }

    @Test("a verified cookie younger than half an hour is sent back unchanged")
    func echo() {
        let cookie = Self.bytes("2464c4abcf10c957010000005cf79f111f8130c3eee29480")
        let (outcome, reply) = Self.cookies(Self.secret, at: 1_559_731_985 + 1_000)
            .respond(to: cookie, client: Self.client("198.51.100.100"))
        #expect(outcome == .answered(verified: true))
        #expect(reply == cookie)
    }

    @Test("A.3: reserved bytes a client set are part of the hash; the cookie is valid only from its own address")
    func reservedBytesAndAddress() {
        let cookie = Self.bytes("fc93fc62807ddb86" + "01abcdef5cf78f71a314227b6679ebf5")
        let soon = Self.cookies(Self.secret, at: 0x5CF7_8F71 + 100)
        #expect(soon.respond(to: cookie, client: Self.client("203.0.113.203")).0 == .answered(verified: true))
        #expect(soon.respond(to: cookie, client: Self.client("203.0.113.204")).0 == .answered(verified: false))
        // At A.3's own time the cookie is older than an hour: not verified, and a fresh one comes back.
        let (outcome, reply) = Self.cookies(Self.secret, at: 1_559_734_700).respond(to: cookie, client: Self.client("203.0.113.203"))
        #expect(outcome == .answered(verified: false))
        #expect(reply == Self.bytes("fc93fc62807ddb86" + "010000005cf7a9acf73a7810aca2381e"))
    }

    @Test("A.4: over IPv6, a cookie made with the old secret is accepted during a rollover and renewed with the new one")
    func rollover() {
        let cookie = Self.bytes("22681ab97d52c298" + "010000005cf7c57926556bd0934c72f8")
        let client = Self.client("2001:db8:220:1:59de:d0f4:8769:82b8")
        let newSecret = "445536bcd2513298075a5d379663c962"
        let oldSecret = "dd3bdf9344b678b185a6f5cb60fca715"
        let (outcome, reply) = Self.cookies(newSecret, oldSecret, at: 1_559_741_961).respond(to: cookie, client: client)
        #expect(outcome == .answered(verified: true))
        #expect(reply == Self.bytes("22681ab97d52c298" + "010000005cf7c609a6bb79d16625507a"))
        // Once the old secret is dropped, the cookie is a stranger's.
        #expect(Self.cookies(newSecret, at: 1_559_741_961).respond(to: cookie, client: client).0 == .answered(verified: false))
    }

    @Test("timestamps: five minutes ahead (replica clocks) accepted, further ahead or an hour old refused")
    func window() {
        let made = Self.cookies(Self.secret, at: 1_600_000_000).respond(to: Self.bytes("0102030405060708"), client: Self.client("192.0.2.1")).1
        for (offset, verified) in [(-300, true), (-301, false), (0, true), (3_600, true), (3_601, false)] {
            let outcome = Self.cookies(Self.secret, at: UInt32(1_600_000_000 + offset)).respond(to: made, client: Self.client("192.0.2.1")).0
            #expect(outcome == .answered(verified: verified), "offset \(offset)")
        }
    }

    @Test("lengths: 8 and 16 to 40 octets are cookies; anything else is malformed", arguments: [0, 1, 7, 9, 15, 41, 60])
    func malformed(length: Int) {
        let (outcome, reply) = Self.cookies(Self.secret, at: 1).respond(to: [UInt8](repeating: 7, count: length), client: nil)
        #expect(outcome == .malformed)
        #expect(reply.isEmpty)
    }

    @Test("a server cookie of another server (other version, other length) gets ours instead", arguments: [16, 20, 24, 32, 40])
    func foreign(length: Int) {
        var option = [UInt8](repeating: 0xAB, count: length)
        option[8] = 2
        let (outcome, reply) = Self.cookies(Self.secret, at: 1_559_731_985).respond(to: option, client: Self.client("198.51.100.100"))
        #expect(outcome == .answered(verified: false))
        #expect(reply.count == 24 && Array(reply[0..<8]) == Array(option[0..<8]) && reply[8] == 1)
    }
}

/// Cookies and NSID on the way through the answer paths: the direct path answers queries with options itself, and
/// gives the same message as the general one.
@Suite("Cookies and NSID in replies")
struct EDNSFeatureReplyTests {
    static let secret = ServerCookies.Secret(CookieTests.bytes(CookieTests.secret))!
    static let features = EDNSFeatures(cookies: ServerCookies(secrets: [secret], clock: { 1_559_731_985 }), nsid: Array("dns-a".utf8))
    static let client = try! SocketAddress(ipAddress: "198.51.100.100", port: 4242)
    static var exchange: Exchange { Exchange(features: features, client: client) }

    static func cookie(_ hex: String) -> EDNSOption { EDNSOption(code: EDNSOption.cookieCode, data: CookieTests.bytes(hex)) }
    static let nsidRequest = EDNSOption(code: EDNSOption.nsidCode, data: [])

    static func query(_ name: String, _ type: RRType = .a, options: [EDNSOption], payload: UInt16 = 1232) throws -> [UInt8] {
        try Message.query(id: 7, name: DNSName(name), type: type, edns: EDNS(udpPayloadSize: payload, options: options)).encodedBytes()
    }

    @Test("both paths give the same reply for every mix of cookie, NSID and other options")
    func parity() throws {
        let optionSets: [[EDNSOption]] = [
            [Self.cookie("2464c4abcf10c957")], [Self.cookie("2464c4abcf10c957010000005cf79f111f8130c3eee29480")],
            [Self.nsidRequest], [Self.nsidRequest, Self.cookie("2464c4abcf10c957")],
            [EDNSOption(code: 65001, data: [1, 2, 3]), Self.cookie("0102030405060708")],
            [Self.cookie("0102030405060708"), Self.cookie("0102030405060708090a0b0c0d0e0f10")],
        ]
        var compared = 0
        for name in ["appserver-1.ec2.", "nope.ec2.", "ec2.", "example.com.", "crowd.ec2."] {
            for type in [RRType.a, .aaaa, .txt, .soa, .any] {
                for options in optionSets {
                    for payload: UInt16 in [512, 1232] {
                        let query = try Self.query(name, type, options: options, payload: payload)
                        for transport in DNSTransport.allCases {
                            let direct = try #require(Self.exchange.rawReply(query, transport: transport))
                            let general = try #require(Self.exchange.generalReply(query, transport: transport))
                            #expect(try Message(parsing: direct) == Message(parsing: general), "\(name) \(type) \(options)")
                            compared += 1
                        }
                    }
                }
            }
        }
        #expect(compared == 600)
    }

    @Test("the direct path answers queries with a cookie and an NSID request itself")
    func directPathTakesOptions() throws {
        let query = try Self.query("appserver-1.ec2.", options: [Self.nsidRequest, Self.cookie("2464c4abcf10c957")])
        var reply = [UInt8](repeating: 0, count: WireAnswerer.maxUDPReplyLength)
        let answered = query.withUnsafeBytes { query in
            reply.withUnsafeMutableBytes {
                WireAnswerer(zone: Fleet.zone(), features: Self.features).answerDirectly(query, transport: .udp, rotation: 0, client: Self.client, into: $0)
            }
        }
        #expect(answered != nil)
    }

    @Test("a client cookie gets a server cookie, NSID first, both only to queries that ask")
    func replyOptions() throws {
        let reply = try #require(try Self.exchange.send(Self.query("appserver-1.ec2.", options: [Self.cookie("2464c4abcf10c957"), Self.nsidRequest])))
        #expect(reply.rcode == .noError && !reply.answers.isEmpty)
        #expect(reply.edns?.options == [
            EDNSOption(code: EDNSOption.nsidCode, data: Array("dns-a".utf8)),
            Self.cookie("2464c4abcf10c957010000005cf79f111f8130c3eee29480"),
        ])
        let plain = try #require(try Self.exchange.send(Self.query("appserver-1.ec2.", options: [])))
        #expect(plain.edns?.options == [])
        let off = try #require(try Exchange(client: Self.client).send(Self.query("appserver-1.ec2.", options: [Self.cookie("2464c4abcf10c957"), Self.nsidRequest])))
        #expect(off.edns?.options == [])
    }

    @Test("a malformed COOKIE option is FORMERR, with an OPT, on both paths", arguments: [0, 5, 9, 41])
    func malformed(length: Int) throws {
        let query = try Self.query("appserver-1.ec2.", options: [EDNSOption(code: EDNSOption.cookieCode, data: [UInt8](repeating: 1, count: length))])
        for reply in [Self.exchange.rawReply(query), Self.exchange.generalReply(query)] {
            let message = try Message(parsing: try #require(reply))
            #expect(message.rcode == .formErr && message.answers.isEmpty && message.edns != nil)
        }
    }

    @Test("a verified server cookie is reported to the transport (rate limiting lets it through)")
    func verified() throws {
        func answer(_ options: [EDNSOption], path: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> WireReply) throws -> WireReply {
            let query = try Self.query("appserver-1.ec2.", options: options)
            var reply = [UInt8](repeating: 0, count: WireAnswerer.maxUDPReplyLength)
            return query.withUnsafeBytes { query in reply.withUnsafeMutableBytes { path(query, $0) } }
        }
        let answerer = WireAnswerer(zone: Fleet.zone(), features: Self.features)
        for good in [true, false] {
            let options = [Self.cookie(good ? "2464c4abcf10c957010000005cf79f111f8130c3eee29480" : "2464c4abcf10c957010000005cf79f111f8130c3eee29481")]
            #expect(try answer(options) { answerer.answer($0, transport: .udp, rotation: 0, client: Self.client, into: $1) }.cookieVerified == good)
            #expect(try answer(options) { answerer.answerThroughMessages($0, transport: .udp, rotation: 0, client: Self.client, into: $1) }.cookieVerified == good)
        }
    }
}
