import Federation
import HTTPTypes
import NIOCore

/// Everything the endpoint answers, as one pure function of the request: ``response(to:admission:)``. Both
/// transports call it, the event loop's ``FastPathHandler`` and Hummingbird's ``HummingbirdRequestAnswerer``, and
/// send what it returns unchanged (each adds only the `Date` header), so the two cannot answer differently. Each
/// first applies the `Host` rule, once per request, with ``admission(host:)``; the fast path may then answer a
/// repeated lookup with the bytes this function gave it the first time (``LookupReplyCache``).
///
/// The rules every response follows, whatever the path, the status or the client:
///
/// - `Strict-Transport-Security` and `Access-Control-Allow-Origin: *` on every response, errors and 404s included,
///   with or without an `Origin` header. (Hummingbird's CORSMiddleware adds CORS headers only to requests that carry
///   an `Origin`, but SEP-1, SEP-2 and the 2014 stellar.txt require the header on every response, and operators
///   check it with a plain `curl --head`, which sends none.)
/// - Exactly one `Host`, naming a configured domain (or `www.`/`stellar.` of one, or the host of `public_url`):
///   otherwise 400 (none or several, RFC 9112 §3.2) or 404, never a redirect (js-stellar-sdk does not follow
///   redirects for stellar.toml).
/// - `OPTIONS` is a CORS preflight: 204 with the allowed methods and headers, on every path.
/// - Other methods than GET, HEAD and OPTIONS: 405 with `Allow`.
/// - Errors are SEP-2 JSON errors (`{"error": …}`), so clients get one error shape.
/// - HEAD gets GET's status and headers, `Content-Length` included, and no body.
/// - A request with `Connection: close` gets `Connection: close` back, and the transport closes after it.
///
/// Routes: `/.well-known/stellar.toml` (SEP-1) and the legacy `stellar.txt` (at `/stellar.txt`, where 2014 clients
/// look, and `/.well-known/stellar.txt`), served directly, never redirected, 304 for an `If-None-Match` naming the
/// current ETag; `/federation` (SEP-2 and the 2014 protocol); and the legacy root, `/?type=federation&…`, as the
/// 2014 federation server (fedns's ancestor) answered it, so that a domain moving from it keeps working with the
/// URL its old stellar.txt published.
///
/// Nothing is counted here: a federation lookup's response carries its ``LookupOutcome``, and the transport that
/// sends it counts it (``FederationMetrics/count(_:)``), cached copies included.
struct SiteRequestAnswerer: Sendable {
    static let hsts = "max-age=63072000; includeSubDomains"
    static let allowedMethods = "GET, HEAD, OPTIONS"
    /// Preflight results may be cached for a day.
    static let preflightMaxAge = "86400"
    /// Allowed request headers when a preflight names none usable: what Stellar SDKs send.
    static let defaultAllowedHeaders = "Accept, Authorization, Content-Type, X-Client-Name, X-Client-Version"

    static let hostField = HTTPField.Name("Host")

    let site: SiteState
    let federation: FederationQueryAnswerer
    let directory: any ImmediateAddressDirectory
    /// SEP-10 and self-service records, when `[federation.auth]` is configured.
    var accounts: AccountRoutes? = nil

    /// The `Host` rule's verdict on a request.
    enum HostAdmission {
        /// The host names the site: what it may be served.
        case admitted(FederationSite.Host)
        /// No `Host`, several, or one the site does not serve: this is the answer, whatever was asked.
        case refused(SiteResponse)
    }

    /// The `Host` rule, the one place it is applied: `host` is the value of the request's one `Host` header, nil
    /// when it had none or more than one (each transport reads its own header type: ``onlyHost(of:)`` for
    /// swift-http-types', ``FastPathHandler`` for NIO's).
    func admission(host: String?) -> HostAdmission {
        guard let host else { return .refused(.error(.badRequest, "exactly one Host header is required")) }
        guard let resolved = site.current.resolve(host: host) else {
            return .refused(.error(.notFound, "no Stellar domain is served here under the host name \(String(host.prefix(255)))"))
        }
        return .admitted(resolved)
    }

    /// The value of the request's one `Host` header, nil when there is none or more than one. The HTTP/1 conversion
    /// moves the first `Host` into `authority` and leaves any other in the fields.
    static func onlyHost(of request: HTTPRequest) -> String? {
        guard let authority = request.authority, hostField.map({ request.headerFields[$0] == nil }) ?? true else { return nil }
        return authority
    }

    /// The complete response to `request`, its `Host` rule applied here: Hummingbird's way in.
    func response(to request: HTTPRequest) -> SiteResponse {
        response(to: request, admission: admission(host: Self.onlyHost(of: request)))
    }

    /// Whether `request` must be answered by ``response(to:client:body:)``, in a task, rather than on the event loop:
    /// the routes of ``AccountRoutes`` (a preflight aside), which read a body and wait for the store. The fast path
    /// passes these on to Hummingbird.
    func defers(method: HTTPRequest.Method, target: String) -> Bool {
        guard accounts != nil, method != .options, case .account? = RequestTarget(target).route else { return false }
        return true
    }

    /// The complete response to `request` from `client`, its `Host` rule applied here: Hummingbird's way in, for every
    /// request it gets. `body` reads the request body, for the routes that take one.
    func response(
        to request: HTTPRequest, client: SocketAddress?, body: @Sendable () async throws -> ByteBuffer
    ) async -> SiteResponse {
        let admission = admission(host: Self.onlyHost(of: request))
        guard let accounts, request.method != .options, case .admitted(let host) = admission,
            case .account(let route)? = RequestTarget(request.path ?? "/").route
        else { return response(to: request, admission: admission) }
        return await accounts.respond(to: request, route: route, host: host, client: client, body: body).finished(
            withoutBody: request.method == .head, closing: request.headerFields[.connection]?.lowercased() == "close")
    }

    /// The complete response to `request`, whose `Host` had `admission`. A request that does not keep its connection
    /// says so with exactly `Connection: close` by the time it gets here (``FastPathHandler`` rewrites the other
    /// forms).
    func response(to request: HTTPRequest, admission: HostAdmission) -> SiteResponse {
        let routed: SiteResponse
        switch admission {
        case .refused(let refusal): routed = refusal
        case .admitted(let host): routed = route(request, host: host)
        }
        return routed.finished(
            withoutBody: request.method == .head, closing: request.headerFields[.connection]?.lowercased() == "close")
    }

    private func route(_ request: HTTPRequest, host: FederationSite.Host) -> SiteResponse {
        let target = RequestTarget(request.path ?? "/")
        if case .account(let route)? = target.route { return account(route, request) }
        switch request.method {
        case .get, .head:
            break
        case .options:
            return preflight(request, methods: Self.allowedMethods)
        default:
            return .error(.methodNotAllowed, "\(request.method) is not supported; use GET", headers: [.allow: Self.allowedMethods])
        }
        switch target.route {
        case .federation:
            return federation(method: request.method, query: target.query ?? "")
        case .root:
            guard let query = target.query, !query.isEmpty else {
                return .error(.notFound, "this is a Stellar federation server; see /.well-known/stellar.toml")
            }
            return federation(method: request.method, query: query)
        case .stellarToml:
            return discovery(\.stellarToml, host: host, request: request)
        case .stellarTxt:
            return discovery(\.stellarTxt, host: host, request: request)
        case .account(let route):
            return account(route, request)
        case nil:
            return .error(
                .notFound,
                "nothing at \(String(target.path.prefix(200))); this server answers /.well-known/stellar.toml, /stellar.txt and /federation")
        }
    }

    /// `/auth` and `/federation/records` as far as they are answered here: their preflight, and a 404 where SEP-10 is
    /// not configured. Everything else on them is ``response(to:client:body:)``'s (``defers(method:target:)``).
    private func account(_ route: AccountRoutes.Route, _ request: HTTPRequest) -> SiteResponse {
        if request.method == .options { return preflight(request, methods: AccountRoutes.allowedMethods(route)) }
        guard accounts != nil else {
            return .error(.notFound, "SEP-10 web authentication and self-service addresses are not configured on this server")
        }
        // Both transports send these to the asynchronous answer; reaching this line would be a routing mistake.
        return .error(.internalServerError, "this request was routed to the wrong path; please report it")
    }

    // MARK: Routes

    /// SEP-2 and the 2014 protocol, answered by the Federation core from the in-memory address book.
    private func federation(method: HTTPRequest.Method, query: Substring) -> SiteResponse {
        let reply: FederationResponse
        let type: String?
        do {
            let parameters = try QueryParameters(rawQuery: String(query))
            type = parameters["type"]
            reply = federation.answer(method: method.rawValue, parameters: parameters, directory: directory)
        } catch {
            type = nil
            reply = error.response
        }
        var response = SiteResponse(reply)
        response.lookup = LookupOutcome(type: type, status: reply.status)
        return response
    }

    /// A discovery file of the domain the `Host` named.
    private func discovery(
        _ file: KeyPath<FederationSite.Documents, ServedDocument>, host: FederationSite.Host, request: HTTPRequest
    ) -> SiteResponse {
        guard case .domain(let documents) = host else {
            // The public_url host serves the federation endpoint only; discovery files belong to the domains.
            return .error(.notFound, "discovery files are served on the domain's own host, not on the federation host")
        }
        let document = documents[keyPath: file]
        if let tags = request.headerFields[.ifNoneMatch], EntityTags(tags).matches(document.etag) {
            return SiteResponse(status: .notModified, fields: [.eTag: document.etag, .cacheControl: ServedDocument.cacheControl])
        }
        return SiteResponse(status: .ok, fields: document.headers, body: document.body)
    }

    /// A CORS preflight answer (RFC 9110 OPTIONS, Fetch's CORS protocol).
    private func preflight(_ request: HTTPRequest, methods: String) -> SiteResponse {
        var headers: HTTPFields = [
            .accessControlAllowMethods: methods,
            .accessControlMaxAge: Self.preflightMaxAge,
            .allow: methods,
        ]
        // Echo the requested headers when they are a plain list of names: any header is harmless on these
        // read-only, credential-free paths, and echoing works in browsers that predate the `*` wildcard.
        if let requested = request.headerFields[.accessControlRequestHeaders], requested.utf8.count <= 1024,
            requested.utf8.allSatisfy({ Self.isHeaderListByte($0) })
        {
            headers[.accessControlAllowHeaders] = requested
            headers[.vary] = "Access-Control-Request-Headers"
        } else {
            headers[.accessControlAllowHeaders] = Self.defaultAllowedHeaders
        }
        return SiteResponse(status: .noContent, fields: headers)
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
}

/// A response as both transports send it: the status and every header but `Date` (`Content-Length` included; for
/// HEAD, the length GET's body has), and the body (empty for HEAD). A route's answer is one too, before
/// ``finished(withoutBody:closing:)`` applies the rules every response follows.
struct SiteResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer
    /// What a federation lookup (`/federation`, or the 2014 root with a query) came to, for the lookups counter;
    /// nil for anything else.
    var lookup: LookupOutcome? = nil

    init(head: HTTPResponse, body: ByteBuffer = ByteBuffer(), lookup: LookupOutcome? = nil) {
        self.head = head
        self.body = body
        self.lookup = lookup
    }

    init(status: HTTPResponse.Status, fields: HTTPFields, body: ByteBuffer = ByteBuffer()) {
        self.init(head: HTTPResponse(status: status, headerFields: fields), body: body)
    }

    /// SEP-2's `{"error": …}` reply, for requests turned away before the federation core.
    static func error(_ status: HTTPResponse.Status, _ message: String, headers extra: HTTPFields = [:]) -> SiteResponse {
        var response = SiteResponse(FederationResponse.sep2Error(status.code, message))
        response.head.headerFields.append(contentsOf: extra)
        return response
    }

    /// Adds what every response carries and frames the body: HEAD keeps GET's `Content-Length` and loses the body;
    /// 204 and 304 have no `Content-Length` at all (RFC 9110 §8.6: a 304 would otherwise claim an empty file).
    func finished(withoutBody: Bool, closing: Bool) -> SiteResponse {
        var fields = head.headerFields
        fields.reserveCapacity(fields.count + 4)
        if head.status != .noContent, head.status != .notModified {
            fields.append(HTTPField(name: .contentLength, value: String(body.readableBytes)))
        }
        // Appended when absent rather than set: most replies already carry the CORS header, and replacing a field
        // costs a search and a copy.
        if fields[.accessControlAllowOrigin] != "*" { fields.append(HTTPField(name: .accessControlAllowOrigin, value: "*")) }
        fields.append(HTTPField(name: .strictTransportSecurity, value: SiteRequestAnswerer.hsts))
        // The transport closes the connection after answering a request that asked to; say so (RFC 9112 §9.6), or
        // a client would send its next request on a connection about to close.
        if closing { fields.append(HTTPField(name: .connection, value: "close")) }
        return SiteResponse(
            head: HTTPResponse(status: head.status, headerFields: fields), body: withoutBody ? ByteBuffer() : body, lookup: lookup)
    }
}
