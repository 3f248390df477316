import DNSWire
import EC2Zone
import Logging
import NIOCore

/// What both transports do with every message they receive: answer it into a reply buffer, count it (or the
/// drop), time it and, with the query log on, log it. One per channel or socket: `rotation` advances per
/// message so that RRsets with several records start at a different record each time.
struct MeteredAnswerer {
    let handler: any DNSQueryHandler
    let metrics: DNSServerMetrics
    let queryLogger: Logger?
    private var rotation = 0

    init(handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?) {
        self.handler = handler
        self.metrics = metrics
        self.queryLogger = queryLogger
    }

    /// Answers one message with `answerer` (fetched by the caller once per batch from `handler`); the reply's
    /// bytes are the first `length` of `reply`. `client` is read only for the query log.
    mutating func answer(
        _ query: UnsafeRawBufferPointer, with answerer: WireAnswerer, transport: DNSTransport,
        client: @autoclosure () -> SocketAddress?, into reply: UnsafeMutableRawBufferPointer
    ) -> WireReply {
        let started = metrics.clock()
        rotation &+= 1
        let answered = answerer.answer(query, transport: transport, rotation: rotation, into: reply)
        if answered.isDrop {
            metrics.recordDropped(transport: transport)
            return answered
        }
        metrics.record(answered, transport: transport, since: started)
        if let queryLogger, let client = client() {
            queryLogger.logQuery(answered, query: query, client: client, transport: transport)
        }
        return answered
    }
}
