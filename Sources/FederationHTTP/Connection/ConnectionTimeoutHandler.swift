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
/// A request costs two clock reads and two assignments: one timer per connection checks the clock when the
/// connection could be overdue and re-arms itself for the new deadline while it is not.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// When the oldest byte still waiting for an answer arrived, or, with none waiting, when the connection last
    /// sent (or opened): the connection is overdue at `since + timeout`.
    private var since: NIODeadline?
    /// Whether bytes have arrived that no response has followed yet.
    private var answerOwed = false
    private var check: Scheduled<Void>?

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
            since = context.eventLoop.now
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        answerOwed = false
        since = context.eventLoop.now
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelCheck()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelCheck()
    }

    private func start(context: ChannelHandlerContext) {
        guard since == nil else { return }
        let now = context.eventLoop.now
        since = now
        scheduleCheck(context: context, at: now + timeout)
    }

    private func scheduleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.check = nil
            guard let since = handler.since else { return }
            if context.eventLoop.now >= since + handler.timeout {
                context.close(promise: nil)
            } else {
                handler.scheduleCheck(context: context, at: since + handler.timeout)
            }
        }
    }

    private func cancelCheck() {
        check?.cancel()
        check = nil
    }
}
