import HTTPTypes
import Hummingbird
import Logging

/// The rules every response of the endpoint follows, whatever the path, the status or the client:
///
/// - `Strict-Transport-Security` and `Access-Control-Allow-Origin: *` on every response, errors and 404s included,
///   with or without an `Origin` header. (Hummingbird's CORSMiddleware adds CORS headers only to requests that carry
///   an `Origin`, but SEP-1, SEP-2 and the 2014 stellar.txt require the header on every response, and operators
///   check it with a plain `curl --head`, which sends none.)
/// - The `Host` must name a configured domain (or `www.`/`stellar.` of one, or the host of `public_url`):
///   otherwise 404, never a redirect (js-stellar-sdk does not follow redirects for stellar.toml).
/// - `OPTIONS` is a CORS preflight: 204 with the allowed methods and headers, on every path.
/// - Other methods than GET, HEAD and OPTIONS: 405 with `Allow`.
/// - Errors thrown below (the router's 404) become SEP-2 JSON errors, so clients get one error shape.
/// - A request with `Connection: close` gets `Connection: close` back (the connection is closed after it).
struct SitePolicyMiddleware: RouterMiddleware {
    typealias Context = FederationRequestContext

    static let hsts = "max-age=63072000; includeSubDomains"
    static let allowedMethods = "GET, HEAD, OPTIONS"
    /// Preflight results may be cached for a day.
    static let preflightMaxAge = "86400"
    /// Allowed request headers when a preflight names none usable: what Stellar SDKs send.
    static let defaultAllowedHeaders = "Accept, Content-Type, X-Client-Name, X-Client-Version"

    static let hostField = HTTPField.Name("Host")

    let site: SiteState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = await respond(request, context: context, next: next)
        // Appended when absent rather than set: most replies already carry the CORS header, and replacing a field
        // costs a search and a copy.
        if response.headers[.accessControlAllowOrigin] != "*" { response.headers[.accessControlAllowOrigin] = "*" }
        response.headers.append(HTTPField(name: .strictTransportSecurity, value: Self.hsts))
        // Hummingbird closes the connection after answering a request that asked to; say so (RFC 9112 §9.6), or a
        // client would send its next request on a connection about to close.
        if request.headers[.connection]?.lowercased() == "close" { response.headers[.connection] = "close" }
        return response
    }

    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        // The HTTP/1 conversion moves the first Host into `authority` and leaves any other in the fields; RFC 9112
        // §3.2 requires 400 for both a missing and a repeated Host (two could disagree about the site meant).
        guard let authority = request.head.authority, Self.hostField.map({ request.headers[$0] == nil }) ?? true else {
            return .error(.badRequest, "exactly one Host header is required")
        }
        guard let host = site.current.resolve(host: authority) else {
            return .error(.notFound, "no Stellar domain is served here under the host name \(String(authority.prefix(255)))")
        }
        switch request.method {
        case .get, .head:
            break
        case .options:
            return preflight(request)
        default:
            return .error(
                .methodNotAllowed, "\(request.method) is not supported; use GET", headers: [.allow: Self.allowedMethods])
        }
        var context = context
        context.host = host
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? Self.describe(error.status, path: request.uri.path)
            return .error(error.status, message)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return .error(.internalServerError, "internal error; try again later")
        }
    }

    /// A CORS preflight answer (RFC 9110 OPTIONS, Fetch's CORS protocol).
    private func preflight(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .accessControlAllowMethods: Self.allowedMethods,
            .accessControlMaxAge: Self.preflightMaxAge,
            .allow: Self.allowedMethods,
        ]
        // Echo the requested headers when they are a plain list of names: any header is harmless on these
        // read-only, credential-free paths, and echoing works in browsers that predate the `*` wildcard.
        if let requested = request.headers[.accessControlRequestHeaders], requested.utf8.count <= 1024,
            requested.utf8.allSatisfy({ Self.isHeaderListByte($0) })
        {
            headers[.accessControlAllowHeaders] = requested
            headers[.vary] = "Access-Control-Request-Headers"
        } else {
            headers[.accessControlAllowHeaders] = Self.defaultAllowedHeaders
        }
        return Response(status: .noContent, headers: headers)
    }

    /// Letters, digits, `-`, `_`, `,` and spaces: header names and the commas between them.
    private static func isHeaderListByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: " "):
            return true
        default:
            return false
        }
    }

    private static func describe(_ status: HTTPResponse.Status, path: String) -> String {
        guard status == .notFound else { return status.reasonPhrase }
        return "nothing at \(String(path.prefix(200))); this server answers /.well-known/stellar.toml, /stellar.txt and /federation"
    }
}
