/// An `https://` URL as stellar.toml wants it: https only, a host, no trailing `/` (stellar-anchor-tests rejects
/// both `http://` and a trailing slash), no user name or password, no fragment, and no spaces, quotes, backslashes
/// or control characters. As an ``Strictness/endpoint`` (where clients append their own query, as js-stellar-sdk
/// does for FEDERATION_SERVER), a query string is refused too.
public struct HTTPSURL: Hashable, Sendable, CustomStringConvertible {
    public enum Strictness: Sendable {
        /// An API endpoint or base URL: no query string.
        case endpoint
        /// A link (a logo, documentation): a query string is allowed.
        case link
    }

    public let description: String

    public init(_ text: String, strictness: Strictness = .endpoint) throws(URLProblem) {
        guard text.hasPrefix("https://") else {
            throw text.lowercased().hasPrefix("http://") ? .notHTTPS : .notAURL
        }
        let forbidden = Set("\"\\<>`{}|^".unicodeScalars)
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value >= 0x7F || forbidden.contains($0) }) {
            throw .invalidCharacter(bad)
        }
        let rest = text.dropFirst("https://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw .hasCredentials }
        try Self.checkAuthority(authority)
        guard !text.contains("#") else { throw .hasFragment }
        if strictness == .endpoint, text.contains("?") { throw .hasQuery }
        guard !text.hasSuffix("/") else { throw .trailingSlash }
        self.description = text
    }

    /// `https://DOMAIN`: a valid domain always makes a valid URL.
    public init(domain: FederationDomain) {
        self.description = "https://\(domain)"
    }

    /// The host and port: what follows `https://` up to the path.
    public var authority: String {
        String(description.dropFirst("https://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }

    /// This URL with a path appended (`/federation`); the path is one of ours, never input.
    func appending(path: String) -> HTTPSURL {
        HTTPSURL(verbatim: description + path)
    }

    private init(verbatim: String) { self.description = verbatim }

    private static func checkAuthority(_ authority: Substring) throws(URLProblem) {
        var host = authority
        if authority.hasPrefix("[") {
            // An IPv6 literal, with an optional port after the bracket.
            guard let close = authority.firstIndex(of: "]") else { throw .invalidHost }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty { try checkPort(after) }
            guard host.count > 2, host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidHost
            }
            return
        }
        if let colon = authority.lastIndex(of: ":") {
            try checkPort(authority[colon...])
            host = authority[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !host.isEmpty, host.count <= 253,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { throw .invalidHost }
    }

    private static func checkPort(_ text: Substring) throws(URLProblem) {
        let digits = text.dropFirst()
        guard text.first == ":", !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(digits), (1...65535).contains(port)
        else { throw .invalidPort }
    }
}

/// Why a URL is refused.
public enum URLProblem: Error, Hashable, Sendable, CustomStringConvertible {
    case notAURL
    case notHTTPS
    case invalidCharacter(Unicode.Scalar)
    case hasCredentials
    case invalidHost
    case invalidPort
    case hasQuery
    case hasFragment
    case trailingSlash

    public var description: String {
        switch self {
        case .notAURL: "expected an https:// URL such as https://example.org/federation"
        case .notHTTPS: "must use https://, not http:// (Stellar clients refuse plain HTTP)"
        case .invalidCharacter(let scalar):
            scalar.value <= 0x20 || scalar.value == 0x7F
                ? "contains a space or control character; percent-encode it"
                : "contains '\(scalar)'; percent-encode it"
        case .hasCredentials: "must not contain a user name or password"
        case .invalidHost: "has no valid host name after https://"
        case .invalidPort: "has a port that is not a number from 1 to 65535"
        case .hasQuery: "must not have a query string (clients add their own)"
        case .hasFragment: "must not have a #fragment"
        case .trailingSlash: "must not end with '/'; remove the trailing slash"
        }
    }
}
