import HTTPTypes
import Hummingbird

/// `/.well-known/stellar.toml` (SEP-1) and the legacy `stellar.txt` (at `/stellar.txt`, where 2014 clients look,
/// and `/.well-known/stellar.txt`), for the domain the `Host` named. Served directly, never redirected; an
/// `If-None-Match` naming the current ETag gets 304.
struct DiscoveryRoutes {
    static let stellarTomlPath = "/.well-known/stellar.toml"
    static let stellarTxtPaths = ["/stellar.txt", "/.well-known/stellar.txt"]

    func add(to router: Router<FederationRequestContext>) {
        router.get(RouterPath(Self.stellarTomlPath)) { request, context in
            try Self.serve(\.stellarToml, request: request, context: context)
        }
        for path in Self.stellarTxtPaths {
            router.get(RouterPath(path)) { request, context in
                try Self.serve(\.stellarTxt, request: request, context: context)
            }
        }
    }

    static func serve(
        _ file: KeyPath<FederationSite.Documents, ServedDocument>, request: Request, context: FederationRequestContext
    ) throws -> Response {
        guard case .domain(let documents) = context.host else {
            // The public_url host serves the federation endpoint only; discovery files belong to the domains.
            throw HTTPError(.notFound, message: "discovery files are served on the domain's own host, not on the federation host")
        }
        let document = documents[keyPath: file]
        if let tags = request.headers[.ifNoneMatch], EntityTags(tags).matches(document.etag) {
            return Response(
                status: .notModified, headers: [.eTag: document.etag, .cacheControl: ServedDocument.cacheControl])
        }
        return Response(status: .ok, headers: document.headers, body: ResponseBody(byteBuffer: document.body))
    }
}

/// An `If-None-Match` value: `*` or a list of entity tags, compared weakly (RFC 9110 §13.1.2: `W/"x"` matches `"x"`).
struct EntityTags {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    func matches(_ etag: String) -> Bool {
        value.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag
        }
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        self[(firstIndex { !predicate($0) } ?? endIndex)...]
    }
}
