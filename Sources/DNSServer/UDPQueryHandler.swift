import DNSWire
import Logging
import NIOCore

/// Answers datagrams. Replies are written as each query is read and flushed once per read burst, so a burst that
/// arrived through one `recvmmsg` leaves through one `sendmmsg`.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let handler: any DNSQueryHandler
    private let metrics: DNSServerMetrics
    private let queryLogger: Logger?
    private var rotation = 0
    private var pendingWrites = false

    init(handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?) {
        self.handler = handler
        self.metrics = metrics
        self.queryLogger = queryLogger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let started = metrics.clock()
        rotation &+= 1
        guard
            let reply = handler.respond(
                to: envelope.data, transport: .udp, rotation: rotation, allocator: context.channel.allocator)
        else {
            metrics.recordDropped(transport: .udp)
            return
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply.bytes)), promise: nil)
        pendingWrites = true
        metrics.record(reply, transport: .udp, since: started)
        queryLogger?.logQuery(reply, client: envelope.remoteAddress, transport: .udp)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingWrites {
            pendingWrites = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed send to one client (ICMP unreachable, a full socket buffer) must not close the listener
        // that serves everyone else.
        metrics.recordTransportError(transport: .udp)
    }
}
