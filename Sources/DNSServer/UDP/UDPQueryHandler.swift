import EC2Zone
import Logging
import NIOCore

/// Answers datagrams. Replies are written as each query is read and flushed once per read burst, so a burst that
/// arrived through one `recvmmsg` leaves through one `sendmmsg`.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private var answerer: MeteredAnswerer
    private var pendingWrites = false

    init(handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?) {
        answerer = MeteredAnswerer(handler: handler, metrics: metrics, queryLogger: queryLogger)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard
            let reply = answerer.answer(
                envelope.data, transport: .udp, client: envelope.remoteAddress, allocator: context.channel.allocator)
        else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
        pendingWrites = true
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
        answerer.metrics.recordTransportError(transport: .udp)
    }
}
