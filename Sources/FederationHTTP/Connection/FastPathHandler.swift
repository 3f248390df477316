import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers the site's requests on the connection's event loop as NIO's HTTP/1 decoder hands them over, before
/// Hummingbird's conversion to swift-http-types, its connection handler and its async channel: the task hops and
/// buffers between an event loop and a Swift task cost more than the whole answer. Measured on one core with a
/// fixed reply: NIO with TLS serves 2.7 times the requests Hummingbird over TLS does (`bench/federation --floors`).
/// The answer is ``SiteResponder``'s, the one Hummingbird's ``SiteHTTPResponder`` gives, so a request gets the same
/// bytes whichever path it takes (only `Date` is stamped by each).
///
/// Passed on to Hummingbird, parts and all:
/// - a request with a body (Hummingbird drains it; the fast path never reads one);
/// - any request while one passed on earlier is still being answered there: responses must leave in request order
///   (HTTP/1.1 pipelining), and Hummingbird answers its requests one after another;
/// - any request while the connection cannot take more output (the client reads slowly): Hummingbird waits for
///   the socket, and its async channel stops reading more requests meanwhile;
/// - a request head swift-http-types cannot represent (Hummingbird's conversion rejects it in its own way).
///
/// A request that does not keep its connection (HTTP/1.0 without `keep-alive`, or `close` in any spelling or list)
/// is rewritten to say exactly `Connection: close`, the one form ``SiteResponder`` and Hummingbird act on.
/// Responses are written as their request completes and flushed once per read burst, so pipelined requests share a
/// TLS write. After a response with `Connection: close` the connection closes, and later requests are not answered.
/// Requests the HTTP parser refuses are Hummingbird's to answer (``ParserErrorResponseHandler`` shapes that reply).
final class FastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What becomes of the rest of the request being read.
    private enum Current {
        case none
        /// Answered here once its end arrives.
        case answering(HTTPRequest)
        /// Passed on to Hummingbird, parts and all.
        case passingOn
        /// Dropped: it came after a request that closes the connection.
        case ignoring
    }

    private let site: SiteResponder
    private var date = DateHeader()
    private var current = Current.none
    /// Requests passed on whose response has not ended yet.
    private var passedOnUnanswered = 0
    /// A request asked to close the connection: nothing after it is answered.
    private var closing = false
    /// Responses written since the last flush.
    private var unflushed = false

    init(site: SiteResponder) {
        self.site = site
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            if !head.isKeepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            if closing {
                current = .ignoring
            } else if passedOnUnanswered == 0, !Self.hasBody(head), context.channel.isWritable,
                let request = try? HTTPRequest(head, secure: true, splitCookie: false)
            {
                current = .answering(request)
            } else {
                current = .passingOn
                passedOnUnanswered += 1
                // Hummingbird closes after answering a request that asks to.
                closing = !head.isKeepAlive
                context.fireChannelRead(wrapInboundOut(.head(head)))
            }
        case .body:
            if case .passingOn = current { context.fireChannelRead(data) }
        case .end:
            switch current {
            case .answering(let request): answer(site.respond(to: request), context: context)
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

    /// Writes a response; one that closes the connection is flushed at once and the connection closed once it is out.
    private func answer(_ response: SiteResponse, context: ChannelHandlerContext) {
        var head = HTTPResponseHead(response.head)
        head.headers.add(name: "Date", value: date.current())
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil) }
        guard response.head.headerFields[.connection] == "close" else {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
            return
        }
        closing = true
        unflushed = false
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// A body announced by `Content-Length` (other than 0) or `Transfer-Encoding`: Hummingbird reads those.
    private static func hasBody(_ head: HTTPRequestHead) -> Bool {
        if head.headers.contains(name: "Transfer-Encoding") { return true }
        guard let length = head.headers.first(name: "Content-Length") else { return false }
        return length != "0"
    }
}
