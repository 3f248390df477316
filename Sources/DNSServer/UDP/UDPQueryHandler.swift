import EC2Zone
import Logging
import NIOCore

/// Answers datagrams on a SwiftNIO channel: the portable UDP path (on Linux, `UDPListener` serves UDP instead,
/// below SwiftNIO). Replies are written as each query is read and flushed once per read burst, so a burst that
/// arrived through one `recvmmsg` leaves through one `sendmmsg`; the burst is one batch for the metrics and is
/// answered from one zone.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private var answerer: MeteredAnswerer
    private var pendingWrites = false

    init(handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?, rateLimiter: ResponseRateLimiter? = nil) {
        answerer = MeteredAnswerer(
            handler: handler, metrics: metrics, queryLogger: queryLogger, transport: .udp, rateLimiter: rateLimiter)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var reply = context.channel.allocator.buffer(capacity: WireAnswerer.maxUDPReplyLength)
        var answered = WireReply.drop
        _ = envelope.data.withUnsafeReadableBytes { query in
            reply.writeWithUnsafeMutableBytes(minimumWritableBytes: WireAnswerer.maxUDPReplyLength) { out in
                answered = answerer.answer(
                    query, client: envelope.remoteAddress,
                    network: envelope.remoteAddress.withSockAddr { address, _ in ResponseRateLimiter.networkKey(address) },
                    into: out)
                return answered.length
            }
        }
        guard !answered.isDrop else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
        pendingWrites = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answerer.endBatch()
        if pendingWrites {
            pendingWrites = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed send to one client (ICMP unreachable, a full socket buffer) must not close the listener
        // that serves everyone else.
        answerer.recordTransportError()
    }
}
