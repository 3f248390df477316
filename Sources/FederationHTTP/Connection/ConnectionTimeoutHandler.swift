import FednsSupport
import NIOCore

/// The connection's one clock, on plain bytes between TLS and the HTTP decoder. A connection is closed when, for
/// `timeout`,
///
/// - a request started arriving and no response has started since (slow headers, a body dribbled a byte at a time,
///   or bytes that never make a request: Hummingbird's idle timer, reset by every decoded request part, would let
///   such a client keep a connection forever), or
/// - nothing was sent or received at all: an idle keep-alive connection, or one that never finished its TLS
///   handshake (no plain bytes ever arrive).
///
/// It is the idle timeout for every request, whichever path answers it: ``FastPathHandler`` answers most requests
/// before Hummingbird's own connection handler sees them, so that handler's idle timer is left off.
///
/// A request costs two clock reads and two assignments: the connection's ``DeadlineTimer`` checks the clock when the
/// connection could be overdue and re-arms itself for the new deadline while it is not.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// Whether bytes have arrived that no response has followed yet.
    private var answerOwed = false
    /// Set to `timeout` after the oldest byte still waiting for an answer arrived or, with none waiting, after
    /// the connection last sent (or opened).
    private var timer: DeadlineTimer?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !answerOwed {
            answerOwed = true
            timer?.set(in: timeout)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        answerOwed = false
        timer?.set(in: timeout)
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The timer's expiry holds the context, which holds this handler: let go of it with the pipeline.
        timer?.cancel()
        timer = nil
    }

    private func start(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = DeadlineTimer(eventLoop: context.eventLoop) { loopBound.value.close(promise: nil) }
        timer?.set(in: timeout)
    }
}
