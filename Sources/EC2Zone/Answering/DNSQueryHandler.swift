import DNSWire
import NIOCore

/// The transport a query arrived on; it decides the response size limit.
public enum DNSTransport: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp
}

/// A response ready to send, with what metrics and query logs need to know about it.
public struct DNSReply: Sendable {
    public var bytes: ByteBuffer
    public var rcode: RCode
    /// The question, when the query had a readable one.
    public var question: Question?
    public var truncated: Bool

    public init(bytes: ByteBuffer, rcode: RCode, question: Question?, truncated: Bool) {
        self.bytes = bytes
        self.rcode = rcode
        self.question = question
        self.truncated = truncated
    }
}

/// What a transport calls for every message it receives. Implementations answer from memory and never block:
/// they run on the event loop that read the packet.
public protocol DNSQueryHandler: Sendable {
    /// The reply to send, or nil to drop the message. `rotation` varies between calls so that RRsets with several
    /// records can be rotated.
    func respond(
        to packet: ByteBuffer, transport: DNSTransport, rotation: Int, allocator: ByteBufferAllocator
    ) -> DNSReply?
}
