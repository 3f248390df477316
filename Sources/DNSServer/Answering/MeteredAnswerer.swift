import EC2Zone
import Logging
import NIOCore

/// What both transports do with every message they receive: ask the query handler for the reply, count it (or
/// the drop), time it and, with the query log on, log it. One per channel: `rotation` advances per message so
/// that RRsets with several records start at a different record each time.
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

    /// The reply bytes to send, or nil when the message is dropped. `client` is read only for the query log.
    mutating func answer(
        _ message: ByteBuffer, transport: DNSTransport, client: @autoclosure () -> SocketAddress?,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer? {
        let started = metrics.clock()
        rotation &+= 1
        guard let reply = handler.respond(to: message, transport: transport, rotation: rotation, allocator: allocator)
        else {
            metrics.recordDropped(transport: transport)
            return nil
        }
        metrics.record(reply, transport: transport, since: started)
        if let queryLogger, let client = client() {
            queryLogger.logQuery(reply, client: client, transport: transport)
        }
        return reply.bytes
    }
}
