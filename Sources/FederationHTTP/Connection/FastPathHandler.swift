import Federation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers the site's requests on the connection's event loop as NIO's HTTP/1 decoder hands them over, before
/// Hummingbird's conversion to swift-http-types, its connection handler and its async channel: the task hops and
/// buffers between an event loop and a Swift task cost more than the whole answer. Measured on one core with a
/// fixed reply: NIO with TLS serves 2.7 times the requests Hummingbird over TLS does (`bench/federation --floors`).
/// The answer is ``SiteRequestAnswerer``'s, the one Hummingbird's ``HummingbirdRequestAnswerer`` gives, so a request
/// gets the same bytes whichever path it takes (only `Date` is stamped by each).
///
/// Passed on to Hummingbird, parts and all:
/// - a request with a body (Hummingbird drains it; the fast path never reads one);
/// - any request while one passed on earlier is still being answered there: responses must leave in request order
///   (HTTP/1.1 pipelining), and Hummingbird answers its requests one after another;
/// - any request while the connection cannot take more output (the client reads slowly): Hummingbird waits for
///   the socket, and its async channel stops reading more requests meanwhile;
/// - a request head swift-http-types cannot represent (Hummingbird's conversion rejects it in its own way);
/// - a request for `/auth` or `/federation/records` (``SiteRequestAnswerer/defers(method:target:)``), whose answer
///   waits for the store.
///
/// A request that does not keep its connection (HTTP/1.0 without `keep-alive`, or `close` in any spelling or list)
/// is rewritten to say exactly `Connection: close`, the one form ``SiteRequestAnswerer`` and Hummingbird act on.
/// Responses are written as their request completes and flushed once per read burst, so pipelined requests share a
/// TLS write. After a response with `Connection: close` the connection closes, and later requests are not answered.
/// Requests the HTTP parser refuses are Hummingbird's to answer (``ParserErrorResponseHandler`` shapes that reply).
///
/// Responses leave as bytes serialised here (``ResponseBytes``), written into the pipeline just past NIO's response
/// encoder. Every request answered here first gets the site's `Host` rule (``SiteRequestAnswerer/admission(host:)``),
/// once; a `GET` or `HEAD` that keeps its connection, passes it and repeats a lookup answered before is answered
/// from the ``LookupReplyCache``: the rest of ``SiteRequestAnswerer``'s answer is the same for every such request,
/// and the bytes are those it gave. Each lookup answered is counted as it is sent (``FederationMetrics/count(_:)``).
final class FastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What becomes of the rest of the request being read.
    private enum Current {
        case none
        /// Answered here once its end arrives, its `Host` having had `admission`; a lookup's reply is kept under
        /// `cacheAs` when that is set.
        case answering(HTTPRequest, SiteRequestAnswerer.HostAdmission, cacheAs: String?)
        /// Answered from the cache once its end arrives.
        case cached(LookupReplyCache.Entry, withBody: Bool)
        /// Passed on to Hummingbird, parts and all.
        case passingOn
        /// Dropped: it came after a request that closes the connection.
        case ignoring
    }

    private let site: SiteRequestAnswerer
    private let cache: LookupReplyCache
    private let metrics: FederationMetrics
    /// Where the response bytes enter the pipeline: just past NIO's response encoder, through which Hummingbird's
    /// responses still go.
    private var wire: ChannelHandlerContext?
    private var date = DateHeader()
    private var current = Current.none
    /// Requests passed on whose response has not ended yet.
    private var passedOnUnanswered = 0
    /// A request asked to close the connection: nothing after it is answered.
    private var closing = false
    /// Responses written since the last flush.
    private var unflushed = false

    init(site: SiteRequestAnswerer, cache: LookupReplyCache, metrics: FederationMetrics) {
        self.site = site
        self.cache = cache
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        wire = (try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)) ?? context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        wire = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            let keepAlive = head.isKeepAlive
            if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            if closing {
                current = .ignoring
            } else if passedOnUnanswered == 0, !Self.hasBody(head), context.channel.isWritable,
                let answer = answering(head, keepAlive: keepAlive)
            {
                current = answer
            } else {
                current = .passingOn
                passedOnUnanswered += 1
                // Hummingbird closes after answering a request that asks to.
                closing = !keepAlive
                context.fireChannelRead(wrapInboundOut(.head(head)))
            }
        case .body:
            if case .passingOn = current { context.fireChannelRead(data) }
        case .end:
            switch current {
            case .answering(let request, let admission, let target):
                let generation = cache.generation
                let response = site.response(to: request, admission: admission)
                let bytes = ResponseBytes(response)
                if let target, response.head.status == .ok, let lookup = response.lookup {
                    cache.store(LookupReplyCache.Entry(reply: bytes, lookup: lookup), for: target, computedAt: generation)
                }
                metrics.count(response.lookup)
                send(bytes, withBody: request.method != .head, closing: response.head.headerFields[.connection] == "close", context: context)
            case .cached(let entry, let withBody):
                metrics.count(entry.lookup)
                send(entry.reply, withBody: withBody, closing: false, context: context)
            case .passingOn: context.fireChannelRead(data)
            case .none, .ignoring: break
            }
            current = .none
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Hummingbird's responses pass here on their way out: the end of one settles a request passed on.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), passedOnUnanswered > 0 { passedOnUnanswered -= 1 }
        context.write(data, promise: promise)
    }

    /// After a request that closes the connection NIO's parser refuses any bytes that follow. Nothing after that
    /// request is answered, by design, so the refusal is not passed on: Hummingbird would answer it with a 400.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if closing, error as? HTTPParserError == .closedConnection { return }
        context.fireErrorCaught(error)
    }

    /// How a request the fast path may answer is answered, once the site's `Host` rule has admitted or refused it:
    /// from the cache, or by ``SiteRequestAnswerer`` (a `GET` that keeps its connection may leave its reply in the
    /// cache). Nil for a head swift-http-types cannot represent.
    private func answering(_ head: HTTPRequestHead, keepAlive: Bool) -> Current? {
        // Sign-in and self-service requests wait for the store: Hummingbird's task answers them.
        if site.defers(method: HTTPRequest.Method(rawValue: head.method.rawValue) ?? .get, target: head.uri) { return nil }
        let admission = site.admission(host: Self.onlyHost(head.headers))
        let lookup = keepAlive && (head.method == .GET || head.method == .HEAD)
        if lookup, case .admitted = admission, let entry = cache.entry(for: head.uri) {
            return .cached(entry, withBody: head.method == .GET)
        }
        guard let request = try? HTTPRequest(head, secure: true, splitCookie: false) else { return nil }
        return .answering(request, admission, cacheAs: lookup && head.method == .GET ? head.uri : nil)
    }

    /// Writes a response; one that closes the connection is flushed at once and the connection closed once it is out.
    private func send(_ response: ResponseBytes, withBody: Bool, closing closes: Bool, context: ChannelHandlerContext) {
        let bytes = response.encoded(date: date.current(), withBody: withBody, allocator: context.channel.allocator)
        let wire = wire ?? context
        guard closes else {
            wire.write(NIOAny(bytes), promise: nil)
            unflushed = true
            return
        }
        closing = true
        unflushed = false
        let written = context.eventLoop.makePromise(of: Void.self)
        wire.writeAndFlush(NIOAny(bytes), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The value of the request's one `Host` header; nil when there is none or more than one (the site refuses
    /// both with 400, RFC 9112 §3.2). NIO's headers' counterpart of ``SiteRequestAnswerer/onlyHost(of:)``.
    private static func onlyHost(_ headers: HTTPHeaders) -> String? {
        var host: String?
        for (name, value) in headers where name.utf8.elementsEqual("host".utf8, by: { $0 | 0x20 == $1 }) {
            guard host == nil else { return nil }
            host = value
        }
        return host
    }

    /// A body announced by `Content-Length` (other than 0) or `Transfer-Encoding`: Hummingbird reads those.
    private static func hasBody(_ head: HTTPRequestHead) -> Bool {
        if head.headers.contains(name: "Transfer-Encoding") { return true }
        guard let length = head.headers.first(name: "Content-Length") else { return false }
        return length != "0"
    }
}

/// The fast path as the server installs it behind NIO's HTTP/1 codec (the codec's response encoder before it, for
/// the bytes it writes past the encoder), with a reply cache of its own, for drivers in other modules of this
/// package: the `http` fuzz target (`fuzz/`) feeds it arbitrary byte streams on an EmbeddedChannel.
package func makeFastPathHandler(
    site: FederationSite, federation: FederationQueryAnswerer, directory: any ImmediateAddressDirectory
) -> any ChannelHandler {
    FastPathHandler(
        site: SiteRequestAnswerer(site: SiteState(site), federation: federation, directory: directory),
        cache: LookupReplyCache(), metrics: FederationMetrics())
}
