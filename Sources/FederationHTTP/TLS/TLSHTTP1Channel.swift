import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's HTTP/1 child channel wrapped in TLS with the certificate store's current context (HummingbirdTLS
/// builds one context from a `TLSConfiguration`, which leaves no way to apply the server-preference option or to
/// swap certificates while running). `plaintextHandlers` go between TLS and the HTTP codec, on decrypted bytes.
public struct TLSHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    public typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let certificates: CertificateStore
    let plaintextHandlers: @Sendable () -> [any ChannelHandler]

    public init(
        _ base: HTTP1Channel, certificates: CertificateStore,
        plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) {
        self.base = base
        self.certificates = certificates
        self.plaintextHandlers = plaintextHandlers
    }

    public var responder: HTTPChannelHandler.Responder { base.responder }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificates.currentContext))
            try channel.pipeline.syncOperations.addHandlers(plaintextHandlers())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the store's certificates.
    public static func http1OverTLS(
        configuration: HTTP1Channel.Configuration, certificates: CertificateStore,
        plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) -> HTTPServerBuilder {
        .init { responder in
            TLSHTTP1Channel(
                HTTP1Channel(responder: responder, configuration: configuration), certificates: certificates,
                plaintextHandlers: plaintextHandlers)
        }
    }
}
