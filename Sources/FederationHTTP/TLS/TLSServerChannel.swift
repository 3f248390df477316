import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's child channel wrapped in TLS with a context built here (HummingbirdTLS builds its own from a
/// `TLSConfiguration`, which leaves no way to apply the server-preference option or share one SNI callback).
/// `plaintextHandlers` go between TLS and the base channel's handlers (the HTTP codec), on decrypted bytes.
public struct TLSServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value

    let base: Base
    let context: NIOSSLContext
    let plaintextHandlers: @Sendable () -> [any ChannelHandler]

    public init(_ base: Base, context: NIOSSLContext, plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }) {
        self.base = base
        self.context = context
        self.plaintextHandlers = plaintextHandlers
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            try channel.pipeline.syncOperations.addHandlers(plaintextHandlers())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension TLSServerChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the given context.
    public static func http1OverTLS(
        configuration: HTTP1Channel.Configuration, context: NIOSSLContext,
        plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) -> HTTPServerBuilder {
        .init { responder in
            TLSServerChannel(
                HTTP1Channel(responder: responder, configuration: configuration), context: context,
                plaintextHandlers: plaintextHandlers)
        }
    }
}
