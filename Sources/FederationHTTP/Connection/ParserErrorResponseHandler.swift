import Federation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Gives the one response that never passes through the router the site's shape. When its HTTP/1 parser rejects a
/// request (not HTTP at all, a NUL in the target, a malformed `Content-Length`), HummingbirdCore answers by itself
/// with a bare `400` (`Content-Length: 0`, `Connection: close`): no HSTS, no CORS, no body. Here, between the HTTP codec
/// and Hummingbird, that head becomes the endpoint's SEP-2 JSON error with the headers every response carries
/// (``SiteRequestAnswerer`` adds them to all the others). Routed 400s always have a JSON body, so an empty 400 can
/// only be the parser's.
final class ParserErrorResponseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let message = "the request is not valid HTTP/1.1 (request line, headers or body framing)"

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest,
            head.headerFields[.contentLength] == "0"
        else {
            context.write(data, promise: promise)
            return
        }
        let reply = FederationResponse.sep2Error(400, Self.message)
        var fields = HTTPFields(reply.headers)
        fields[.contentLength] = String(reply.body.count)
        fields[.connection] = "close"
        fields[.strictTransportSecurity] = SiteRequestAnswerer.hsts
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: reply.body))), promise: promise)
    }
}
