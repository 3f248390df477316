import AddressBook
import Federation
import Hummingbird

/// `/federation`: SEP-2 and the 2014 protocol, answered by the Federation core from the in-memory address book.
/// The legacy root, `/?type=federation&…`, is answered too, as the 2014 federation server (fedns's ancestor) did,
/// so that a domain moving from it keeps working with the URL its old stellar.txt published.
struct FederationRoutes<Directory: AddressDirectory> {
    let responder: FederationResponder
    let directory: Directory
    let metrics: FederationMetrics

    func add(to router: Router<FederationRequestContext>) {
        router.get(RouterPath(FederationEndpoint.path)) { request, _ in
            await respond(to: request)
        }
        router.get("/") { request, _ in
            guard let query = request.uri.query, !query.isEmpty else {
                throw HTTPError(.notFound, message: "this is a Stellar federation server; see /.well-known/stellar.toml")
            }
            return await respond(to: request)
        }
    }

    func respond(to request: Request) async -> Response {
        let reply: FederationResponse
        let type: String?
        do {
            let parameters = try QueryParameters(rawQuery: request.uri.query ?? "")
            type = parameters["type"]
            reply = await responder.respond(method: request.method.rawValue, parameters: parameters, directory: directory)
        } catch {
            type = nil
            reply = error.response
        }
        metrics.countLookup(type: type, status: reply.status)
        return Response(reply)
    }
}
