/// A discovery file ready to serve: its bytes, a strong ETag, and the headers to send with it.
public struct DiscoveryDocument: Hashable, Sendable {
    public let body: [UInt8]
    /// A strong validator, quoted: `"<64-bit FNV-1a of the body in hex>-<length>"`. It is not a security hash;
    /// it only has to change when the body changes, and for two versions of one small file a 64-bit hash plus
    /// the length makes a collision practically impossible.
    public let etag: String
    /// What the SEP-1 check found worth saying that does not stop the file from being served.
    public let warnings: [StellarTomlProblem]

    init(text: String, warnings: [StellarTomlProblem] = []) {
        self.warnings = warnings
        body = Array(text.utf8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        etag = "\"\(String(repeating: "0", count: 16 - hex.count))\(hex)-\(body.count)\""
    }

    /// `text/plain; charset=utf-8` (without the charset the Python SDK reads the file as ISO-8859-1), CORS open to
    /// every origin on every response (SEP-1 and the 2014 stellar.txt both require it), and the ETag.
    public var headers: [HeaderField] {
        [
            HeaderField("Content-Type", "text/plain; charset=utf-8"),
            HeaderField("Access-Control-Allow-Origin", "*"),
            HeaderField("ETag", etag),
        ]
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Where the federation endpoint lives on a host: `https://DOMAIN/federation` unless a public URL says otherwise.
public enum FederationEndpoint {
    public static let path = "/federation"

    /// `public_url` is the base URL this server is reached at from outside (`https://fed.example.org`, or with a
    /// path prefix behind a proxy); the endpoint is that plus ``path``. Without it, the domain itself.
    public static func url(for domain: FederationDomain, publicURL: HTTPSURL?) -> HTTPSURL {
        (publicURL ?? HTTPSURL(domain: domain)).appending(path: path)
    }
}

/// Where SEP-10 web authentication lives: `https://DOMAIN/auth`, or `public_url` + `/auth`, beside the federation
/// endpoint.
public enum WebAuthEndpoint {
    public static let path = "/auth"

    public static func url(for domain: FederationDomain, publicURL: HTTPSURL?) -> HTTPSURL {
        (publicURL ?? HTTPSURL(domain: domain)).appending(path: path)
    }

    /// The `web_auth_domain` of a challenge: the host (and port) of the endpoint's URL.
    public static func domain(for domain: FederationDomain, publicURL: HTTPSURL?) -> String {
        url(for: domain, publicURL: publicURL).authority
    }
}

/// The legacy (2014) `stellar.txt`: an INI-like file naming the federation and reverse federation URLs.
///
/// Lines end in LF only. The reference 2014 client replaced only the first CR LF, so with CR LF every later
/// line kept a `\r` and its `[federation_url]` header no longer matched; LF is the one safe choice.
public enum StellarTxt {
    public static func document(for domain: FederationDomain, publicURL: HTTPSURL?) -> DiscoveryDocument {
        let endpoint = FederationEndpoint.url(for: domain, publicURL: publicURL)
        let lines = [
            "# Stellar federation for \(domain) (legacy stellar.txt; current clients read /.well-known/stellar.toml)",
            "[federation_url]",
            endpoint.description,
            "",
            "[reverse_federation_url]",
            endpoint.description,
        ]
        return DiscoveryDocument(text: lines.joined(separator: "\n") + "\n")
    }
}
