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
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline == nil {
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                loopBoundContext.value.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        cancelDeadline()
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}
