import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer

/// Collects the messages the frame handler passes on.
final class MessageCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var messages: [[UInt8]] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        messages.append(Array(unwrapInboundIn(data).readableBytesView))
    }
}

@Suite("TCP framing and timeouts")
struct TCPFrameHandlerTests {
    func makeChannel(idle: TimeAmount = .seconds(10), partial: TimeAmount = .seconds(2)) throws -> (EmbeddedChannel, MessageCollector) {
        let collector = MessageCollector()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            TCPFrameHandler(idleTimeout: idle, partialTimeout: partial), collector,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 53)).wait()
        return (channel, collector)
    }

    func frame(_ payload: [UInt8]) -> [UInt8] {
        [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    @Test("messages split across reads and several messages in one read are both delivered in order")
    func framing() throws {
        let (channel, collector) = try makeChannel()
        let stream = frame([1, 2, 3]) + frame([4]) + frame(Array(repeating: 9, count: 300))
        // Deliver in awkward pieces: a lone length byte, then the rest in chunks of 7.
        try channel.writeInbound(ByteBuffer(bytes: stream.prefix(1)))
        var offset = 1
        while offset < stream.count {
            let end = min(offset + 7, stream.count)
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
        }
        #expect(collector.messages == [[1, 2, 3], [4], Array(repeating: 9, count: 300)])
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test("pipelined messages in a single read are all delivered")
    func pipelined() throws {
        let (channel, collector) = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: frame([1]) + frame([2]) + frame([3])))
        #expect(collector.messages == [[1], [2], [3]])
        _ = try? channel.finish()
    }

    @Test("a zero-length message closes the connection")
    func zeroLength() throws {
        let (channel, collector) = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 1, 7]))
        #expect(collector.messages.isEmpty)
        #expect(!channel.isActive)
    }

    @Test("an idle connection is closed after the idle timeout, and answering resets it")
    func idleTimeout() throws {
        let (channel, _) = try makeChannel(idle: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        try channel.writeInbound(ByteBuffer(bytes: frame([1])))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test("a half-received message must complete within the partial timeout, however it trickles in")
    func partialTimeout() throws {
        let (channel, collector) = try makeChannel(idle: .seconds(10), partial: .seconds(2))
        try channel.writeInbound(ByteBuffer(bytes: [0, 10, 1]))
        for _ in 0..<3 {
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(600))
            if channel.isActive { try channel.writeInbound(ByteBuffer(bytes: [1])) }
        }
        // 1.8 s in, still open; trickling did not extend the deadline.
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
        #expect(!channel.isActive)
        #expect(collector.messages.isEmpty)
    }

    @Test("an announced 65,535-octet message that never arrives is cut off by the partial timeout")
    func oversizedLength() throws {
        let (channel, _) = try makeChannel(partial: .seconds(1))
        try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 1, 2, 3]))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1100))
        #expect(!channel.isActive)
    }
}
