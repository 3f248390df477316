import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOSSL

/// Hummingbird's HTTP/1 child channel wrapped in TLS with the certificate store's current context (HummingbirdTLS
/// builds one context from a `TLSConfiguration`, which leaves no way to apply the server-preference option or to
/// swap certificates while running), with the server's own handlers in place:
///
/// TLS → `plaintextHandlers` (decrypted bytes) → NIO's HTTP/1 codec → `http1Handlers` (NIO's request and response
/// parts) → Hummingbird's conversion to swift-http-types, its additional handlers, its connection handler and its
/// async channel.
public struct TLSHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    public typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let certificates: CertificateStore
    let plaintextHandlers: @Sendable () -> [any ChannelHandler]
    let http1Handlers: @Sendable () -> [any ChannelHandler]

    public init(
        _ base: HTTP1Channel, certificates: CertificateStore,
        plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] },
        http1Handlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) {
        self.base = base
        self.certificates = certificates
        self.plaintextHandlers = plaintextHandlers
        self.http1Handlers = http1Handlers
    }

    public var responder: HTTPChannelHandler.Responder { base.responder }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificates.currentContext))
            try channel.pipeline.syncOperations.addHandlers(plaintextHandlers())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Hummingbird's setup has built the rest; these go before its conversion, found by type.
            let pipeline = channel.pipeline.syncOperations
            try unpairRequestDecoder(pipeline)
            let conversion = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            for handler in http1Handlers() {
                try pipeline.addHandler(handler, position: .before(conversion))
            }
            return value
        }
    }

    /// NIO's server pipeline pairs its request decoder with the response encoder: the decoder queues each request's
    /// method, and the encoder takes one from the queue per response head, to drop the body of a response to HEAD.
    /// An `http1Handlers` handler may answer requests with bytes of its own, past the encoder (``FastPathHandler``
    /// does); that queue would then fall out of step, and a later response would be framed as the answer to another
    /// request (a GET's body dropped as if it answered a HEAD). So the decoder is replaced, before the connection reads
    /// anything, by one with the same limits and no pairing: the encoder frames by status alone, which is right here,
    /// since every response already has the body its request calls for (``SiteRequestAnswerer`` leaves HEAD's empty).
    private func unpairRequestDecoder(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        let paired = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let limits = base.configuration.httpDecoder
        var limitConfiguration = NIOHTTPDecoderLimitConfiguration()
        limitConfiguration.maxHeaderFieldSize = limits.maxHeaderFieldSize
        limitConfiguration.maxHeaderListSize = limits.maxHeaderListSize
        limitConfiguration.maxHeaderFieldCount = limits.maxHeaderFieldCount
        let decoder = HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limitConfiguration)
        try pipeline.addHandler(ByteToMessageHandler(decoder), position: .after(paired))
        pipeline.removeHandler(paired, promise: nil)
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the store's certificates.
    public static func http1OverTLS(
        configuration: HTTP1Channel.Configuration, certificates: CertificateStore,
        plaintextHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] },
        http1Handlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }
    ) -> HTTPServerBuilder {
        .init { responder in
            TLSHTTP1Channel(
                HTTP1Channel(responder: responder, configuration: configuration), certificates: certificates,
                plaintextHandlers: plaintextHandlers, http1Handlers: http1Handlers)
        }
    }
}
