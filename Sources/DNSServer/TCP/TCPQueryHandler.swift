import EC2Zone
import Logging
import NIOCore

/// Answers the messages of one TCP connection in order (RFC 7766 §6.2.1: several queries per connection,
/// pipelined). Replies are framed with their length and flushed once per read burst.
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answerer: MeteredAnswerer
    private var metrics: DNSServerMetrics { answerer.metrics }
    private var lastWrite: EventLoopFuture<Void>?

    init(handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?) {
        answerer = MeteredAnswerer(handler: handler, metrics: metrics, queryLogger: queryLogger)
    }

    func channelActive(context: ChannelHandlerContext) {
        metrics.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        metrics.connectionClosed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard
            var reply = answerer.answer(
                unwrapInboundIn(data), transport: .tcp, client: context.channel.remoteAddress,
                allocator: context.channel.allocator)
        else { return }
        var framed = context.channel.allocator.buffer(capacity: reply.readableBytes + 2)
        framed.writeInteger(UInt16(reply.readableBytes))
        framed.writeBuffer(&reply)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(framed), promise: promise)
        lastWrite = promise.futureResult
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client has sent everything it will send: deliver the answers already written, then close.
            context.flush()
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            (lastWrite ?? context.eventLoop.makeSucceededVoidFuture()).whenComplete { _ in
                loopBoundContext.value.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets and broken pipes end this connection only.
        metrics.recordTransportError(transport: .tcp)
        context.close(promise: nil)
    }
}
