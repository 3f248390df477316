import NIOCore

/// Listener and connection settings of the DNS server.
public struct DNSServerOptions: Sendable, Hashable {
    /// Each address gets a UDP and a TCP listener. Port 0 picks a free port (the same for UDP and TCP).
    public var listen: [SocketAddress]
    /// A TCP connection with no message in progress is closed after this long (RFC 7766 §6.2.3; Knot: 10 s).
    public var tcpIdleTimeout: TimeAmount
    /// A TCP message must be complete this long after its first byte arrived.
    public var tcpPartialMessageTimeout: TimeAmount
    /// Connections beyond this are closed at once.
    public var tcpMaxConnections: Int
    /// Datagrams read per `recvmmsg` call.
    public var udpBatchSize: Int
    /// UDP replies a second per client network (IPv4 /24, IPv6 /56); 0: no limit.
    public var rateLimit: Int
    /// Every `rateLimitSlip`-th limited reply is sent truncated, the others dropped; 0 drops all.
    public var rateLimitSlip: Int

    public init(
        listen: [SocketAddress], tcpIdleTimeout: TimeAmount = .seconds(10),
        tcpPartialMessageTimeout: TimeAmount = .seconds(2), tcpMaxConnections: Int = 512, udpBatchSize: Int = 64,
        rateLimit: Int = 0, rateLimitSlip: Int = 2
    ) {
        self.listen = listen
        self.tcpIdleTimeout = tcpIdleTimeout
        self.tcpPartialMessageTimeout = tcpPartialMessageTimeout
        self.tcpMaxConnections = tcpMaxConnections
        self.udpBatchSize = udpBatchSize
        self.rateLimit = rateLimit
        self.rateLimitSlip = rateLimitSlip
    }

    /// The largest datagram read: queries are small, and anything above a typical MTU is not a query we answer.
    static let maxDatagramSize = 2048
}
