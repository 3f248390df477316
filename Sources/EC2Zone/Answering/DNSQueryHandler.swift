import DNSWire
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    /// The query carried a server cookie of ours.
    public var cookieVerified = false

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

/// A client's IP address as the transports see it, in a form access rules can match without allocating.
public struct ClientAddress: Sendable, Hashable, CustomStringConvertible {
    public var isIPv6: Bool
    /// The address, IPv4 in the low 32 bits.
    public var bits: UInt128

    public init(isIPv6: Bool, bits: UInt128) {
        self.isIPv6 = isIPv6
        self.bits = bits
    }

    public init?(_ address: SocketAddress) {
        guard let client = address.withSockAddr({ pointer, _ in ClientAddress(pointer) }) else { return nil }
        self = client
    }

    /// From the socket address's own bytes (no allocation): the IPv4 address at offset 4 of a sockaddr_in, the
    /// IPv6 one at offset 8 of a sockaddr_in6. Nil for other families.
    public init?(_ address: UnsafePointer<sockaddr>) {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let raw = UnsafeRawPointer(address)
        var bits: UInt128 = 0
        let (offset, count) = family == AF_INET ? (4, 4) : (8, 16)
        for index in 0..<count { bits = bits << 8 | UInt128(raw.load(fromByteOffset: offset + index, as: UInt8.self)) }
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
        if family == AF_INET6, bits >> 32 == 0xFFFF {
            self.init(isIPv6: false, bits: bits & 0xFFFF_FFFF)
        } else {
            self.init(isIPv6: family == AF_INET6, bits: bits)
        }
    }

    public var description: String {
        isIPv6 ? IPv6Address(value: bits).description : IPv4Address(value: UInt32(truncatingIfNeeded: bits)).description
    }
}

/// Messages that need more than the zone's answers: TSIG-signed ones and zone transfers (AXFR, IXFR). With a
/// transfer service configured (`ZoneTransfer`), the general answer path hands them to it.
public protocol TransferResponder: Sendable {
    /// Whether `request` is one for the service (it has a TSIG record, or asks for AXFR or IXFR).
    func handles(_ request: Message) -> Bool

    /// The reply: one message, or (AXFR and IXFR over TCP) several.
    func respond(
        to request: Message, packet: UnsafeRawBufferPointer, zone: CompiledZone, transport: DNSTransport,
        client: ClientAddress?
    ) -> TransferReply
}

/// What the transfer service answers.
public struct TransferReply: Sendable {
    /// The messages to send, in order (one for UDP).
    public var messages: [[UInt8]]
    public var rcode: RCode
    public var question: Question?

    public init(messages: [[UInt8]], rcode: RCode, question: Question?) {
        self.messages = messages
        self.rcode = rcode
        self.question = question
    }
}
