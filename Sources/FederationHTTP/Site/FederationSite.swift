import Federation
import Hummingbird
import NIOCore

/// What the HTTPS endpoint serves, and for which `Host`: the discovery files of each configured domain (reached as
/// `DOMAIN`, `www.DOMAIN` and `stellar.DOMAIN`, the three hosts 2014 clients tried), and the federation endpoint
/// on those hosts and on the host of `public_url`. Built once (at start and on reload), then only read.
public struct FederationSite: Sendable {
    /// One domain's discovery files, ready to send.
    public struct Documents: Sendable {
        public let domain: FederationDomain
        public let stellarToml: ServedDocument
        public let stellarTxt: ServedDocument
    }

    /// What a `Host` header resolved to.
    public enum Host: Sendable {
        /// A configured domain (or its `www.` / `stellar.` name): everything is served.
        case domain(Documents)
        /// The host of `public_url` that is not itself a domain: only the federation endpoint.
        case endpointOnly
    }

    /// Hosts whose domain carries a port (`localhost:8443`, for tests), by `host:port`.
    private var withPort: [String: Host] = [:]
    /// Every other host, by name; any port in the request is ignored (a server behind a port mapping still works).
    private var byName: [String: Host] = [:]
    /// The `Host` values clients send nearly always, exactly as registered (`example.org`, `localhost:8443`): found
    /// without parsing or lower-casing the header.
    private var byExactHeader: [String: Host] = [:]

    /// What the SEP-1 check warned about in the served stellar.toml files (the same for every domain: it comes
    /// from the operator's file), for the log and `fedns check-config`.
    public private(set) var warnings: [StellarTomlProblem] = []

    /// Generates and validates every domain's stellar.toml (throwing the first domain's problems: they come from
    /// the operator's file, so they are the same for all) and stellar.txt.
    public init(
        domains: [FederationDomain], publicURL: HTTPSURL?, webAuth: StellarToml.WebAuthKeys? = nil, operatorTOML: String? = nil,
        operatorSource: String = "stellar.toml", allowedNetworks: [String] = []
    ) throws(StellarTomlError) {
        for domain in domains {
            let toml = try StellarToml.document(
                for: domain, publicURL: publicURL, webAuth: webAuth, operatorTOML: operatorTOML, operatorSource: operatorSource,
                allowedNetworks: allowedNetworks)
            if warnings.isEmpty { warnings = toml.warnings }
            let documents = Documents(
                domain: domain, stellarToml: ServedDocument(toml),
                stellarTxt: ServedDocument(StellarTxt.document(for: domain, publicURL: publicURL)))
            for name in [domain.host, "www.\(domain.host)", "stellar.\(domain.host)"] {
                register(name, port: domain.port, as: .domain(documents))
            }
        }
        if let publicURL, let authority = HostHeader(urlAuthorityOf: publicURL.description) {
            register(authority.name, port: authority.port, as: .endpointOnly)
        }
    }

    private mutating func register(_ name: String, port: Int?, as host: Host) {
        if let port {
            if withPort["\(name):\(port)"] == nil { withPort["\(name):\(port)"] = host }
        } else if byName[name] == nil {
            byName[name] = host
        }
        let header = port.map { "\(name):\($0)" } ?? name
        if byExactHeader[header] == nil { byExactHeader[header] = resolve(host: header) }
    }

    /// The site for a `Host` header value (`Example.org`, `www.example.org:8443`, `localhost:8443`), or nil.
    public func resolve(host header: String) -> Host? {
        if let exact = byExactHeader[header] { return exact }
        guard let host = HostHeader(header) else { return nil }
        if let port = host.port, let match = withPort["\(host.name):\(port)"] { return match }
        return byName[host.name]
    }
}

/// A `Host` header (or a URL's authority) split into a lower-case name without a trailing dot and a port.
struct HostHeader: Hashable {
    var name: String
    var port: Int?

    init?(_ text: some StringProtocol) {
        var rest = Substring(text.lowercased())
        var port: Int?
        // An IPv6 literal keeps its colons inside brackets; any other colon starts the port.
        let portColon = rest.hasPrefix("[") ? rest.firstIndex(of: "]").flatMap { rest[$0...].firstIndex(of: ":") } : rest.lastIndex(of: ":")
        if let colon = portColon {
            let digits = rest[rest.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits),
                (1...65535).contains(number)
            else { return nil }
            port = number
            rest = rest[..<colon]
        }
        if rest.hasSuffix(".") { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.utf8.count <= 255 else { return nil }
        name = String(rest)
        self.port = port
    }

    /// The authority of an `https://` URL (validated already, so the form is known).
    init?(urlAuthorityOf url: String) {
        guard url.hasPrefix("https://") else { return nil }
        let authority = url.dropFirst("https://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        self.init(authority)
    }
}

/// A discovery file with its HTTP headers, built once: the body as a buffer, the core's headers (content type,
/// CORS, ETag) plus a short `Cache-Control`, so a request costs a copy-on-write copy and nothing else.
public struct ServedDocument: Sendable {
    /// Clients may cache discovery files briefly; an edit reaches them within five minutes, and revalidation with
    /// `If-None-Match` is cheap.
    public static let cacheControl = "max-age=300"

    public let etag: String
    public let body: ByteBuffer
    public let headers: HTTPFields
    public let text: String

    init(_ document: DiscoveryDocument) {
        etag = document.etag
        body = ByteBuffer(bytes: document.body)
        text = document.text
        var headers = HTTPFields(document.headers)
        headers[.cacheControl] = Self.cacheControl
        self.headers = headers
    }
}
