import Hummingbird

/// Hummingbird's way in to ``SiteRequestAnswerer``: a Hummingbird `Request` in, the site's response out as a
/// Hummingbird `Response`, its lookup counted. The requests ``FastPathHandler`` passes on (those with a body, and
/// those pipelined behind one Hummingbird is still answering) get exactly the answer the fast path would give.
/// Hummingbird adds the `Date` header, as the fast path does.
struct HummingbirdRequestAnswerer: HTTPResponder {
    typealias Context = BasicRequestContext

    let site: SiteRequestAnswerer
    let metrics: FederationMetrics

    func respond(to request: Request, context: Context) async throws -> Response {
        let response = site.response(to: request.head)
        metrics.count(response.lookup)
        return Response(status: response.head.status, headers: response.head.headerFields, body: ResponseBody(byteBuffer: response.body))
    }
}
