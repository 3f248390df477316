import AsyncHTTPClient
import Federation
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// `fedns federation check https://DOMAIN`: fetches a Stellar site, any server's, the way clients do (HTTPS, no
/// redirects followed, no `Origin` header) and holds each reply to ``SiteConformance``'s rules: stellar.toml against
/// SEP-1, the federation endpoint against SEP-2's behaviour, and the SEP-10 challenge when `WEB_AUTH_ENDPOINT` is
/// published. The requests are a handful of GETs, a HEAD and an OPTIONS, with a random name and account that no
/// real user has.
public enum SiteChecker {
    public struct Options: Sendable {
        /// `https://DOMAIN` (a bare `DOMAIN` gets `https://`).
        public var site: String
        /// Extra trust roots (PEM) besides the system's, for a private CA.
        public var caFile: String?
        /// A known address to look up both ways (`name*domain`).
        public var address: String?
        public var allowedNetworks: [String]
        public var timeout: TimeAmount

        public init(site: String, caFile: String? = nil, address: String? = nil, allowedNetworks: [String] = [], timeout: TimeAmount = .seconds(10)) {
            self.site = site
            self.caFile = caFile
            self.address = address
            self.allowedNetworks = allowedNetworks
            self.timeout = timeout
        }
    }

    /// Larger than any valid stellar.toml, so that an oversized one is still measured.
    static let maximumBody = 512 * 1024

    public static func run(_ options: Options) async throws -> [ConformanceResult] {
        var base = options.site
        if !base.contains("://") { base = "https://" + base }
        while base.hasSuffix("/") { base.removeLast() }
        let url: HTTPSURL
        do {
            url = try HTTPSURL(base, strictness: .endpoint)
        } catch {
            throw SiteCheckError("\(options.site) is not an https:// site URL: \(error)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow))
        do {
            let results = try await check(url, options: options, fetcher: Fetcher(client: client, timeout: options.timeout))
            try await client.shutdown()
            return results
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func check(_ site: HTTPSURL, options: Options, fetcher: Fetcher) async throws -> [ConformanceResult] {
        let domain = site.authority
        let tomlURL = site.description + "/.well-known/stellar.toml"
        let get = try await fetcher.fetch("GET", tomlURL)
        let head = try? await fetcher.fetch("HEAD", tomlURL)
        var results = SiteConformance.stellarToml(get: get, head: head, allowedNetworks: options.allowedNetworks)
        let toml = get.status == 200 ? StellarToml.rootStrings(String(decoding: get.body, as: UTF8.self)) : [:]

        // Used as clients use it, even when the stellar.toml check found fault with its form (a trailing slash, say).
        if let federation = toml["FEDERATION_SERVER"], federation.lowercased().hasPrefix("http") {
            let preflight = try await fetcher.fetch(
                "OPTIONS", federation, headers: ["Origin": "https://wallet.example", "Access-Control-Request-Method": "GET"])
            results += SiteConformance.cors(preflight, "federation: OPTIONS preflight")
            let unknown = "fedns-check-\(randomHex(6))*\(domain)"
            results += SiteConformance.notFound(
                try await fetcher.fetch("GET", query(federation, "type=name&q=" + encode(unknown))), label: "federation: unknown name")
            results += SiteConformance.refused(
                try await fetcher.fetch("GET", query(federation, "type=name")), label: "federation: name without q")
            if let address = options.address {
                let byName = try await fetcher.fetch("GET", query(federation, "type=name&q=" + encode(address)))
                results += SiteConformance.found(byName, label: "federation: \(address)")
                if let account = SiteConformance.jsonObject(byName.body)?["account_id"] as? String {
                    let byID = try await fetcher.fetch("GET", query(federation, "type=id&q=" + encode(account)))
                    results += SiteConformance.found(byID, label: "federation: type=id \(account.prefix(8))…")
                }
            }
        } else {
            results.append(.init(.warn, "federation", "stellar.toml has no usable FEDERATION_SERVER; SEP-2 checks skipped"))
        }

        if let auth = toml["WEB_AUTH_ENDPOINT"], auth.lowercased().hasPrefix("http") {
            results += SiteConformance.refused(try await fetcher.fetch("GET", auth), label: "web auth: GET without account", cacheRule: false)
            let account = (try? AccountID(publicKey: randomBytes(32)))?.description ?? ""
            let separator = auth.contains("?") ? "&" : "?"
            results += SiteConformance.webAuthChallenge(
                try await fetcher.fetch("GET", auth + separator + "account=" + account), label: "web auth: challenge",
                signingKey: toml["SIGNING_KEY"], networkPassphrase: toml["NETWORK_PASSPHRASE"], homeDomain: domain,
                webAuthDomain: Self.authority(auth))
        }
        return results
    }

    /// The host and port of a URL (what `web_auth_domain` must be).
    static func authority(_ url: String) -> String {
        let rest = url.range(of: "://").map { url[$0.upperBound...] } ?? url[...]
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }

    /// `FEDERATION_SERVER` with a query appended, as the SDKs build it.
    private static func query(_ endpoint: String, _ query: String) -> String {
        endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func randomHex(_ count: Int) -> String {
        randomBytes(count).map { String(format: "%02x", $0) }.joined()
    }

    struct Fetcher: Sendable {
        let client: HTTPClient
        let timeout: TimeAmount

        func fetch(_ method: String, _ url: String, headers: [String: String] = [:]) async throws -> FetchedResponse {
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            request.headers.add(name: "User-Agent", value: "fedns-federation-check")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            do {
                let response = try await client.execute(request, timeout: timeout)
                let body = method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: SiteChecker.maximumBody)
                return FetchedResponse(
                    method: method, url: url, status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                    body: Array(buffer: body))
            } catch {
                throw SiteCheckError("\(method) \(url): \(error)")
            }
        }
    }
}

/// A site that cannot be checked at all (not reachable, TLS refused, not a URL).
public struct SiteCheckError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
