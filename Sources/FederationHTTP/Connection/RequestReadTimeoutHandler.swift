import NIOCore

/// Closes a connection whose client starts sending and does not finish: once a byte arrives while no answer is
/// owed, a response must start within `timeout`, or the connection is closed.
///
/// It sits between TLS and the HTTP decoder, on plain bytes, and covers what the HTTP idle timeout cannot see:
/// Hummingbird's idle timer (`idleTimeout`) is reset by every decoded request part, so a client trickling a request
/// body a byte at a time would keep a connection forever. Here the clock starts at the first unanswered byte and
/// only a response stops it: a request head trickled in (slowloris), a body dribbled after the response (these
/// routes never read bodies, so Hummingbird drains them), or any other bytes that never make a request.
/// Idle keep-alive connections send nothing, so they are left to the idle timeout.
///
/// A request costs a clock read and an assignment: one timer per connection checks the clock when the oldest
/// unanswered byte could be overdue, and re-arms itself only while an answer is owed.
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// When the oldest byte still waiting for an answer arrived.
    private var unansweredSince: NIODeadline?
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if unansweredSince == nil {
            let now = context.eventLoop.now
            unansweredSince = now
            if check == nil { scheduleCheck(context: context, at: now + timeout) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unansweredSince = nil
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelCheck()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelCheck()
    }

    private func scheduleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.check = nil
            guard let since = handler.unansweredSince else { return }
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
