import DNSWire
import NIOCore

/// The transport a query arrived on; it decides the response size limit.
public enum DNSTransport: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp
}

/// A response built by `ResponseBuilder` (the general path), with what metrics and query logs need to know.
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

/// What a transport asks for the answerer of the moment. Answering happens from memory and never blocks: on
/// the thread that read the packet.
public protocol DNSQueryHandler: Sendable {
    /// What answers messages now: the zone published last. A transport asks once per batch of messages it read
    /// together and keeps it for the batch, so a batch is answered from one zone and pays for one lookup of it.
    func answerer() -> WireAnswerer
}
