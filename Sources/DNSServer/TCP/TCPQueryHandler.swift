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
        answerer = MeteredAnswerer(handler: handler, metrics: metrics, queryLogger: queryLogger, transport: .tcp)
    }

    func channelActive(context: ChannelHandlerContext) {
        metrics.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        answerer.endBatch()
        metrics.connectionClosed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        // Most replies are small: answer into the stack first, and only a reply that did not fit is answered
        // again into a buffer that holds the largest.
        let frames: [ByteBuffer] = message.withUnsafeReadableBytes { query in
            let small = withUnsafeTemporaryAllocation(byteCount: Self.smallReply, alignment: 8) { reply in
                let answered = answerer.answer(query, client: context.channel.remoteAddress, into: reply)
                return answered.truncated ? nil : frame(answered, UnsafeRawBufferPointer(reply), context: context)
            }
            if let small { return small }
            var large = context.channel.allocator.buffer(capacity: WireAnswerer.maxReplyLength + 2)
            var answered = WireReply.drop
            large.moveWriterIndex(forwardBy: 2)
            large.writeWithUnsafeMutableBytes(minimumWritableBytes: WireAnswerer.maxReplyLength) { reply in
                answered = answerer.answerAgain(query, into: reply)
                return answered.length
            }
            guard !answered.isDrop else { return [] }
            large.setInteger(UInt16(answered.length), at: large.readerIndex)
            return [large]
        }
        for framed in frames {
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.write(wrapOutboundOut(framed), promise: promise)
            lastWrite = promise.futureResult
        }
    }

    /// Stack space for a reply before falling back to a 64 KiB buffer: far above any answer but a name shared by
    /// hundreds of instances.
    static let smallReply = 4096

    /// The reply (and any messages following it, as a zone transfer has) each with its two-octet length in front;
    /// none for a dropped message.
    private func frame(_ answered: WireReply, _ reply: UnsafeRawBufferPointer, context: ChannelHandlerContext) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        if answered.length > 0 {
            var framed = context.channel.allocator.buffer(capacity: answered.length + 2)
            framed.writeInteger(UInt16(answered.length))
            framed.writeBytes(UnsafeRawBufferPointer(rebasing: reply[0..<answered.length]))
            frames.append(framed)
        }
        for message in answered.following {
            var framed = context.channel.allocator.buffer(capacity: message.count + 2)
            framed.writeInteger(UInt16(message.count))
            framed.writeBytes(message)
            frames.append(framed)
        }
        return frames
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answerer.endBatch()
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
