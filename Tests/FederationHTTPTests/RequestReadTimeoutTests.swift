import NIOCore
import NIOEmbedded
import Testing

@testable import FederationHTTP

@Suite("Read timeout: a started request must be answered in time")
struct RequestReadTimeoutTests {
    func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestReadTimeoutHandler(timeout: .seconds(2)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return channel
    }

    @Test("a request trickled in is cut at the timeout, counted from its first byte")
    func trickledRequest() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /federation?type=na"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1500))
        try channel.writeInbound(ByteBuffer(string: "me&q=bob*example.org HTTP/1.1\r\n"))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(501))
        #expect(!channel.isActive)
    }

    @Test("a response stops the clock; the next request starts it again")
    func answeredRequests() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)

        // A body dribbled after the answer (these routes never read one) is a new unanswered start.
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test("an idle keep-alive connection is left to the idle timeout")
    func idleConnection() throws {
        let channel = try makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("bytes pass through unchanged both ways")
    func passThrough() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "ping"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "ping"))
        try channel.writeOutbound(ByteBuffer(string: "pong"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "pong"))
        _ = try channel.finish()
    }
}
