import DNSWire
import Inventory
import Metrics
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer
@testable import EC2Zone

/// Response rate limiting: the count per network and second, the slip rhythm, the networks addresses fall in,
/// the truncated reply, and the UDP handler applying it (cookies exempt, counts in the metric).
@Suite("Response rate limiting")
struct ResponseRateLimiterTests {
    static func key(_ ip: String) -> UInt64 {
        try! SocketAddress(ipAddress: ip, port: 53).withSockAddr { address, _ in ResponseRateLimiter.networkKey(address)! }
    }

    static func verdicts(_ limiter: ResponseRateLimiter, _ count: Int, key: UInt64 = key("192.0.2.1"), second: UInt32 = 100)
        -> [ResponseRateLimiter.Verdict]
    {
        (0..<count).map { _ in limiter.verdict(for: key, now: second, limits: limiter.limits) }
    }

    @Test("N replies a second, then every slip-th limited reply truncated and the others dropped")
    func rhythm() {
        let limiter = ResponseRateLimiter(responsesPerSecond: 3, slip: 2)
        #expect(Self.verdicts(limiter, 8) == [.send, .send, .send, .drop, .slip, .drop, .slip, .drop])
        // The next second starts a new count.
        #expect(Self.verdicts(limiter, 4, second: 101) == [.send, .send, .send, .slip])
    }

    @Test("slip 0 drops every limited reply, slip 1 truncates every one", arguments: [(0, ResponseRateLimiter.Verdict.drop), (1, .slip)])
    func slipExtremes(slip: Int, verdict: ResponseRateLimiter.Verdict) {
        let limiter = ResponseRateLimiter(responsesPerSecond: 1, slip: slip)
        #expect(Self.verdicts(limiter, 5) == [.send] + Array(repeating: verdict, count: 4))
    }

    @Test("addresses count by IPv4 /24 and IPv6 /56; an IPv4-mapped address is its IPv4 address")
    func networks() {
        #expect(Self.key("192.0.2.1") == Self.key("192.0.2.254"))
        #expect(Self.key("192.0.2.1") != Self.key("192.0.3.1"))
        #expect(Self.key("2001:db8:0:ab00::1") == Self.key("2001:db8:0:abff:ffff::9"))
        #expect(Self.key("2001:db8:0:ab00::1") != Self.key("2001:db8:0:ac00::1"))
        #expect(Self.key("::ffff:192.0.2.9") == Self.key("192.0.2.1"))
        let limiter = ResponseRateLimiter(responsesPerSecond: 2, slip: 0)
        #expect(Self.verdicts(limiter, 3, key: Self.key("192.0.2.1")) == [.send, .send, .drop])
        #expect(Self.verdicts(limiter, 2, key: Self.key("192.0.3.1")) == [.send, .send])
        #expect(Self.verdicts(limiter, 1, key: Self.key("192.0.2.77")) == [.drop])
    }

    @Test("a reload changes the limits; 0 turns limiting off")
    func reload() {
        let limiter = ResponseRateLimiter()
        #expect(limiter.limits.responsesPerSecond == 0)
        limiter.configure(responsesPerSecond: 1, slip: 3)
        #expect(limiter.limits == (1, 3))
        #expect(Self.verdicts(limiter, 4) == [.send, .drop, .drop, .slip])
    }

    @Test("many networks: the table stays fixed, and a network under its limit is never stopped past a collision")
    func manyNetworks() {
        let limiter = ResponseRateLimiter(responsesPerSecond: 1, slip: 0, stripes: 2, slotsPerStripe: 8)
        // 1,000 networks over 16 slots, one reply each: every one is under its limit.
        let verdicts = (0..<1000).map { limiter.verdict(for: Self.key("10.\($0 / 256).\($0 % 256).1"), now: 5, limits: limiter.limits) }
        #expect(verdicts.allSatisfy { $0 == .send })
    }

    @Test("a truncated reply keeps the header, the question and the OPT, sets TC and carries no other records")
    func truncate() throws {
        let query = try Message.query(id: 9, name: DNSName("web-1.ec2"), type: .a, edns: EDNS()).encodedBytes()
        var reply = [UInt8](repeating: 0, count: WireAnswerer.maxUDPReplyLength)
        let length = reply.withUnsafeMutableBytes { out in
            let answered = query.withUnsafeBytes {
                WireAnswerer(zone: QueryHandlerTests.zone).answer($0, transport: .udp, rotation: 0, into: out)
            }
            return ResponseRateLimiter.truncate(out, length: answered.length)
        }
        let message = try Message(parsing: Array(reply[0..<length]))
        #expect(message.id == 9 && message.isResponse && message.truncated)
        #expect(message.questions.map(\.name.description) == ["web-1.ec2."])
        #expect(message.answers.isEmpty && message.authorities.isEmpty && message.additionals.isEmpty)
        #expect(message.edns?.udpPayloadSize == ResponseBuilder.advertisedUDPSize)
        // A header alone (a FORMERR without a question) stays a header.
        var header: [UInt8] = [0, 9, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(header.withUnsafeMutableBytes { ResponseRateLimiter.truncate($0, length: 12) } == 12)
        #expect(header[2] & 0x02 != 0)
    }

    @Test("the UDP handler: limited replies dropped or truncated and counted; a verified cookie is never limited")
    func handler() throws {
        let metrics = TestMetrics()
        let secret = ServerCookies.Secret([UInt8](repeating: 7, count: 16))!
        let features = EDNSFeatures(cookies: ServerCookies(secrets: [secret]))
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            UDPQueryHandler(
                handler: ZoneQueryHandler(zone: QueryHandlerTests.zone, features: features),
                metrics: DNSServerMetrics(factory: metrics), queryLogger: nil,
                rateLimiter: ResponseRateLimiter(responsesPerSecond: 2, slip: 2)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 53)).wait()
        let client = QueryHandlerTests.client

        func ask(_ options: [EDNSOption] = []) throws -> Message? {
            let query = try Message.query(id: 3, name: DNSName("web-1.ec2"), type: .a, edns: EDNS(options: options)).encodedBytes()
            channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: query)))
            channel.pipeline.fireChannelReadComplete()
            return try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self).map { try Message(parsing: $0.data) }
        }
        // One batch per query, all within a second or two: at most 2 a second answered in full.
        let replies = try (0..<6).map { _ in try ask() }
        let full = replies.compactMap { $0 }.filter { !$0.truncated }.count
        let slipped = replies.compactMap { $0 }.filter(\.truncated).count
        let dropped = replies.filter { $0 == nil }.count
        #expect(full >= 2 && full <= 4 && slipped >= 1 && dropped >= 1, "\(full) full, \(slipped) truncated, \(dropped) dropped")
        #expect(try metrics.expectCounter("fedns_dns_rate_limited_total", [("action", "drop")]).totalValue == Int64(dropped))
        #expect(try metrics.expectCounter("fedns_dns_rate_limited_total", [("action", "slip")]).totalValue == Int64(slipped))

        // A client cookie alone does not exempt. A truncated reply carries the server cookie (in its OPT), and a
        // query with it is never limited.
        let slip = try #require(try (0..<6).lazy.compactMap { _ in try ask([EDNSOption(code: EDNSOption.cookieCode, data: Array(1...8))]) }
            .first { $0.truncated })
        let cookie = try #require(slip.edns?.options.first { $0.code == EDNSOption.cookieCode })
        #expect(cookie.data.count == 24)
        for _ in 0..<10 {
            let reply = try #require(try ask([cookie]))
            #expect(!reply.truncated && reply.answers.count == 1)
        }
    }
}
