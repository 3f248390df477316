import DNSWire
import Inventory
import Logging
import Metrics
import MetricsTestKit
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import DNSServer
@testable import EC2Zone

/// The two transports' query handlers on an EmbeddedChannel, with the real zone behind them: what is written,
/// when it is flushed, what is counted and logged, and what closes a connection.
@Suite("DNS query handlers")
struct QueryHandlerTests {
    static let zone = CompiledZone(
        snapshot: Snapshot(instances: [
            Instance(id: "i-1", name: "web-1", region: "eu-west-1", privateIPv4: ["10.0.0.1"]),
            Instance(id: "i-2", name: "web-2", region: "eu-west-1", privateIPv4: ["10.0.0.2"]),
        ]),
        settings: ZoneOptions())
    static let client = try! SocketAddress(ipAddress: "192.0.2.7", port: 4242)

    let metrics = TestMetrics()
    let logs = CapturedLogs()

    func query(_ name: String, id: UInt16 = 7, type: RRType = .a) throws -> ByteBuffer {
        ByteBuffer(bytes: try Message(id: id, questions: [Question(name: try DNSName(name), type: type)]).encodedBytes())
    }

    func handlerMetrics() -> DNSServerMetrics { DNSServerMetrics(factory: metrics) }

    func queries(_ transport: String, _ type: String, _ rcode: String) throws -> Int64 {
        try metrics.expectCounter("fedns_dns_queries_total", [("transport", transport), ("type", type), ("rcode", rcode)])
            .totalValue
    }

    // MARK: UDP

    func udpChannel(queryLog: Bool = false) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            UDPQueryHandler(
                handler: ZoneQueryHandler(zone: Self.zone), metrics: handlerMetrics(),
                queryLogger: queryLog ? logs.logger : nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 53)).wait()  // EmbeddedChannel is active once "connected"
        return channel
    }

    @Test("UDP: each reply goes back to its sender, and a burst is flushed once, after the read completes")
    func udpReplies() throws {
        let channel = try udpChannel()
        let other = try SocketAddress(ipAddress: "192.0.2.8", port: 53)
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: Self.client, data: try query("web-1.ec2", id: 1)))
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: other, data: try query("web-2.ec2", id: 2)))
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)  // written, not flushed
        channel.pipeline.fireChannelReadComplete()
        let first = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        let second = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(first.remoteAddress == Self.client)
        #expect(second.remoteAddress == other)
        let firstReply = try Message(parsing: first.data)
        #expect(firstReply.id == 1)
        #expect(firstReply.answers.map(\.data.presentation) == ["10.0.0.1"])
        #expect(try Message(parsing: second.data).answers.map(\.data.presentation) == ["10.0.0.2"])
        #expect(try queries("udp", "A", "NOERROR") == 2)
    }

    @Test("UDP: a runt and a response sent as a query get no reply and count as dropped")
    func udpDrops() throws {
        let channel = try udpChannel()
        var response = try query("web-1.ec2")
        response.setInteger(UInt16(0x8000), at: 2)
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: Self.client, data: ByteBuffer(bytes: [1, 2, 3])))
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: Self.client, data: response))
        channel.pipeline.fireChannelReadComplete()
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        #expect(try metrics.expectCounter("fedns_dns_dropped_total", [("transport", "udp")]).totalValue == 2)
    }

    @Test("UDP: a send error is counted and the listener stays open for everyone else")
    func udpErrorKeepsListener() throws {
        let channel = try udpChannel()
        #expect(channel.isActive)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: 111, reason: "sendmmsg"))
        #expect(channel.isActive)
        #expect(try metrics.expectCounter("fedns_dns_transport_errors_total", [("transport", "udp")]).totalValue == 1)
    }

    @Test("UDP: the query log has one line per answered query, with the client, name, type and rcode")
    func udpQueryLog() throws {
        let channel = try udpChannel(queryLog: true)
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: Self.client, data: try query("nope.ec2")))
        channel.pipeline.fireChannelRead(AddressedEnvelope(remoteAddress: Self.client, data: ByteBuffer(bytes: [1])))
        #expect(logs.all.count == 1)
        let line = try #require(logs.all.first)
        #expect(line.contains("192.0.2.7"))
        #expect(line.contains("nope.ec2"))
        #expect(line.contains("NXDOMAIN"))
        #expect(line.contains("udp"))
    }

    // MARK: TCP

    func tcpChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            TCPFrameHandler(idleTimeout: .seconds(10), partialTimeout: .seconds(2)),
            TCPQueryHandler(handler: ZoneQueryHandler(zone: Self.zone), metrics: handlerMetrics(), queryLogger: nil),
        ])
        try channel.connect(to: Self.client).wait()
        return channel
    }

    func framed(_ message: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(message.readableBytes))
        buffer.writeImmutableBuffer(message)
        return buffer
    }

    func readReplies(_ channel: EmbeddedChannel) throws -> [Message] {
        var stream = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&part) }
        var replies: [Message] = []
        while let length = stream.readInteger(as: UInt16.self) {
            let body = stream.readSlice(length: Int(length))
            replies.append(try Message(parsing: try #require(body, "a whole framed reply")))
        }
        #expect(stream.readableBytes == 0)
        return replies
    }

    @Test("TCP: pipelined queries in one read are answered in order, each framed with its length")
    func tcpPipelining() throws {
        let channel = try tcpChannel()
        var burst = framed(try query("web-1.ec2", id: 1))
        var second = framed(try query("web-2.ec2", id: 2))
        var third = framed(try query("missing.ec2", id: 3))
        burst.writeBuffer(&second)
        burst.writeBuffer(&third)
        try channel.writeInbound(burst)
        let replies = try readReplies(channel)
        #expect(replies.map(\.id) == [1, 2, 3])
        #expect(replies.map(\.rcode) == [.noError, .noError, .nxDomain])
        #expect(try queries("tcp", "A", "NXDOMAIN") == 1)
        #expect(try metrics.expectMeter("fedns_dns_tcp_connections").lastValue == 1)
        _ = try? channel.finish()
    }

    @Test("TCP: when the client half-closes, the answers already written are delivered, then the connection closes")
    func tcpHalfClose() throws {
        let channel = try tcpChannel()
        try channel.writeInbound(framed(try query("web-1.ec2", id: 9)))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readReplies(channel).map(\.id) == [9])
        #expect(!channel.isActive)
    }

    @Test("TCP: a transport error ends this connection and is counted")
    func tcpErrorCloses() throws {
        let channel = try tcpChannel()
        channel.pipeline.fireErrorCaught(IOError(errnoCode: 104, reason: "read"))
        #expect(!channel.isActive)
        #expect(try metrics.expectCounter("fedns_dns_transport_errors_total", [("transport", "tcp")]).totalValue == 1)
        #expect(try metrics.expectMeter("fedns_dns_tcp_connections").lastValue == 0)
    }

    @Test("TCP: a response sent as a query is dropped, and the queries after it are still answered")
    func tcpDropThenAnswer() throws {
        let channel = try tcpChannel()
        var response = try query("web-1.ec2", id: 4)
        response.setInteger(UInt16(0x8000), at: 2)
        var burst = framed(response)
        var next = framed(try query("web-2.ec2", id: 5))
        burst.writeBuffer(&next)
        try channel.writeInbound(burst)
        #expect(try readReplies(channel).map(\.id) == [5])
        #expect(try metrics.expectCounter("fedns_dns_dropped_total", [("transport", "tcp")]).totalValue == 1)
        _ = try? channel.finish()
    }
}
