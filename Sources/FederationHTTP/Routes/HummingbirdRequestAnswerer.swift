import Federation
import Hummingbird
import NIOCore

/// Hummingbird's way in to ``SiteRequestAnswerer``: a Hummingbird `Request` in, the site's response out as a
/// Hummingbird `Response`, its lookup counted. The requests ``FastPathHandler`` passes on (those with a body, and
/// those pipelined behind one Hummingbird is still answering) get exactly the answer the fast path would give.
/// Hummingbird adds the `Date` header, as the fast path does.
struct HummingbirdRequestAnswerer: HTTPResponder {
    typealias Context = FederationRequestContext

    let site: SiteRequestAnswerer
    let metrics: FederationMetrics

    func respond(to request: Request, context: Context) async throws -> Response {
        let response = await site.response(to: request.head, client: context.remoteAddress) {
            try await request.body.collect(upTo: RequestFields.maximumBodyBytes)
        }
        metrics.count(response.lookup)
        return Response(status: response.head.status, headers: response.head.headerFields, body: ResponseBody(byteBuffer: response.body))
    }
}

/// Hummingbird's request context plus the client's address, which the rate limits of ``AccountRoutes`` key on.
struct FederationRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
