import FednsSupport
import NIOCore

/// Splits a TCP stream into DNS messages (two-octet length prefix, RFC 1035 §4.2.2 / RFC 7766 §8) and enforces
/// the timeouts that keep idle or slow clients from holding connections, as Knot does:
/// - `idleTimeout` with no message in progress (Knot: 10 s);
/// - `partialTimeout` from the first byte of a message until it is complete (Knot: 0.5-1 s), counted from the
///   start of the message so that a client trickling one byte at a time cannot extend it.
final class TCPFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let idleTimeout: TimeAmount
    private let partialTimeout: TimeAmount
    private var buffered: ByteBuffer?
    private var timer: DeadlineTimer?
    private var waitingForRestOfMessage = false

    init(idleTimeout: TimeAmount, partialTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
        self.partialTimeout = partialTimeout
    }

    /// The server adds this handler in the child channel's initializer, before the connection is active, so the
    /// idle clock starts here.
    func channelActive(context: ChannelHandlerContext) {
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The timer's expiry holds the context, which holds this handler: let go of it with the pipeline.
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var pending = unwrapInboundIn(data)
        if var earlier = buffered {
            buffered = nil  // so `earlier` owns the storage and appending does not copy it
            earlier.writeBuffer(&pending)
            pending = earlier
        }
        while let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self) {
            guard length > 0 else {
                // A zero-length message is not DNS; nothing sensible can follow it on this stream.
                close(context)
                return
            }
            guard pending.readableBytes >= 2 + Int(length) else { break }
            pending.moveReaderIndex(forwardBy: 2)
            if let message = pending.readSlice(length: Int(length)) {
                context.fireChannelRead(wrapInboundOut(message))
            }
            guard context.channel.isActive else { return }
        }
        if pending.readableBytes > 0 {
            // Keep only what is unread, so a long-lived connection does not grow its buffer.
            pending.discardReadBytes()
            buffered = pending
            if !waitingForRestOfMessage {
                waitingForRestOfMessage = true
                arm(partialTimeout, context: context)
            }
        } else {
            armIdleTimer(context: context)
        }
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        waitingForRestOfMessage = false
        arm(idleTimeout, context: context)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        if timer == nil {
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            timer = DeadlineTimer(eventLoop: context.eventLoop) { loopBound.value.handler.close(loopBound.value.context) }
        }
        timer?.set(in: timeout)
    }

    private func close(_ context: ChannelHandlerContext) {
        timer?.cancel()
        buffered = nil
        context.close(promise: nil)
    }
}

/// The framing handler as the server puts it first on every TCP connection, for drivers in other modules of this
/// package: the `dns-tcp` fuzz target (`fuzz/`) feeds it arbitrary streams on an EmbeddedChannel.
package func makeTCPFrameHandler(idleTimeout: TimeAmount, partialTimeout: TimeAmount) -> any ChannelHandler {
    TCPFrameHandler(idleTimeout: idleTimeout, partialTimeout: partialTimeout)
}
