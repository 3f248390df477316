import Hummingbird

/// Hummingbird's way in to ``SiteResponder``: the requests ``FastPathHandler`` passes on (those with a body, and
/// those pipelined behind one Hummingbird is still answering) get exactly the answer the fast path would give.
/// Hummingbird adds the `Date` header, as the fast path does.
struct SiteHTTPResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let site: SiteResponder

    func respond(to request: Request, context: Context) async throws -> Response {
        let response = site.respond(to: request.head)
        return Response(status: response.head.status, headers: response.head.headerFields, body: ResponseBody(byteBuffer: response.body))
    }
}
