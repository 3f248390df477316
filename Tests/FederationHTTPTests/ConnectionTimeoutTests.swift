import NIOCore
import NIOEmbedded
import Testing

@testable import FederationHTTP

@Suite("Connection timeout: a started request must be answered in time, an idle connection is closed")
struct ConnectionTimeoutTests {
    func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: ConnectionTimeoutHandler(timeout: .seconds(2)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return channel
    }

    @Test("a request trickled in is cut at the timeout, counted from its first byte")
    func trickledRequest() throws {
        let channel = try makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1000))
        try channel.writeInbound(ByteBuffer(string: "GET /federation?type=na"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1500))
        try channel.writeInbound(ByteBuffer(string: "me&q=bob*example.org HTTP/1.1\r\n"))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(501))
        #expect(!channel.isActive)
    }

    @Test("a response stops the request clock; the connection then stays open for the idle timeout")
    func answeredRequests() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1500))
        try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(channel.isActive)

        // A body dribbled after the answer (these routes never read one) is a new unanswered start.
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test("a busy keep-alive connection stays open however long it lives")
    func busyConnection() throws {
        let channel = try makeChannel()
        for _ in 0..<20 {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"))
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
            try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\n\r\n"))
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1000))
        }
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("an idle connection is closed at the timeout, counted from its last response")
    func idleConnection() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"))
        try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 404 Not Found\r\n\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test("a connection that never sends a byte (a TLS handshake never finished) is closed at the timeout")
    func silentConnection() throws {
        let channel = try makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
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
