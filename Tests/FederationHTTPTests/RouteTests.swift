import Federation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import NIOCore
import Testing

@testable import FederationHTTP

/// The routes through Hummingbird's test client (no sockets), which calls ``HummingbirdRequestAnswerer``. It always sends
/// `Host: localhost`, so the site serves `localhost` and `example.org`; the other hosts are covered by SiteTests and
/// the TLS tests.
@Suite("Routes: paths, statuses and headers")
struct RouteTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    let metrics = TestMetrics()

    func application() throws -> some ApplicationProtocol {
        let domains = [try FederationDomain("localhost"), try FederationDomain("example.org")]
        let records = [
            try AddressRecord(address: "bob*localhost", accountID: Self.bob, memoType: "id", memo: "42"),
            try AddressRecord(address: "alice*example.org", accountID: Self.alice),
        ]
        let site = SiteRequestAnswerer(
            site: SiteState(try FederationSite(domains: domains, publicURL: nil)),
            federation: FederationQueryAnswerer(settings: FederationSettings(domains: Set(domains))),
            directory: AddressIndex(records: records))
        return Application(responder: HummingbirdRequestAnswerer(site: site, metrics: FederationMetrics(factory: metrics)))
    }

    /// Runs one request and hands the response to `check`.
    func request(
        _ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ check: @escaping @Sendable (TestResponse) throws -> Void
    ) async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                try check(response)
            }
        }
    }

    /// Every response, whatever its status, and with no Origin header in the request.
    static func expectSitePolicy(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.headers[.accessControlAllowOrigin] == "*", sourceLocation: sourceLocation)
        #expect(response.headers[values: .accessControlAllowOrigin].count == 1, sourceLocation: sourceLocation)
        #expect(
            response.headers[.strictTransportSecurity] == "max-age=63072000; includeSubDomains", sourceLocation: sourceLocation)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        return try #require(object as? [String: Any])
    }

    // MARK: stellar.toml and stellar.txt

    @Test("stellar.toml: text/plain UTF-8, CORS, HSTS, ETag, a short max-age, FEDERATION_SERVER of the host")
    func stellarToml() async throws {
        try await request("/.well-known/stellar.toml") { response in
            #expect(response.status == .ok)
            Self.expectSitePolicy(response)
            #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(response.headers[.cacheControl] == "max-age=300")
            #expect(response.headers[.eTag]?.hasPrefix("\"") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("FEDERATION_SERVER = \"https://localhost/federation\"\n"))
            #expect(response.headers[.contentLength] == "\(response.body.readableBytes)")
        }
    }

    @Test("stellar.txt at both paths: LF line ends, federation and reverse federation URLs")
    func stellarTxt() async throws {
        for path in ["/stellar.txt", "/.well-known/stellar.txt"] {
            try await request(path) { response in
                #expect(response.status == .ok)
                Self.expectSitePolicy(response)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(!text.contains("\r"))
                #expect(text.contains("[federation_url]\nhttps://localhost/federation\n"))
                #expect(text.contains("[reverse_federation_url]\nhttps://localhost/federation\n"))
            }
        }
    }

    @Test("If-None-Match with the current ETag gets 304 (weak or in a list), another gets the file")
    func conditionalRequests() async throws {
        let app = try application()
        try await app.test(.router) { client in
            let etag = try await client.execute(uri: "/.well-known/stellar.toml", method: .get) { try #require($0.headers[.eTag]) }
            for condition in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                try await client.execute(uri: "/.well-known/stellar.toml", method: .get, headers: [.ifNoneMatch: condition]) {
                    #expect($0.status == .notModified, "\(condition)")
                    #expect($0.headers[.eTag] == etag)
                    #expect($0.headers[.cacheControl] == "max-age=300")
                    #expect($0.body.readableBytes == 0)
                    Self.expectSitePolicy($0)
                }
            }
            try await client.execute(uri: "/.well-known/stellar.toml", method: .get, headers: [.ifNoneMatch: "\"stale-1\""]) {
                #expect($0.status == .ok)
                #expect($0.body.readableBytes > 0)
            }
        }
    }

    @Test("HEAD has GET's status and headers, Content-Length included, and no body", arguments: [
        "/.well-known/stellar.toml", "/stellar.txt", "/federation?type=name&q=bob*localhost", "/federation?type=name&q=nobody*localhost",
    ])
    func head(_ uri: String) async throws {
        let app = try application()
        try await app.test(.router) { client in
            let get = try await client.execute(uri: uri, method: .get) { $0 }
            try await client.execute(uri: uri, method: .head) { head in
                #expect(head.status == get.status)
                #expect(head.body.readableBytes == 0)
                #expect(get.body.readableBytes > 0)
                #expect(head.headers[.contentLength] == "\(get.body.readableBytes)")
                for name in [HTTPField.Name.contentType, .cacheControl, .eTag, .accessControlAllowOrigin, .strictTransportSecurity] {
                    #expect(head.headers[name] == get.headers[name], "\(name)")
                }
            }
        }
    }

    // MARK: federation

    @Test("a SEP-2 name lookup: JSON, no-store, CORS, the memo as a string")
    func nameLookup() async throws {
        try await request("/federation?q=bob%2Alocalhost&type=name") { response in
            #expect(response.status == .ok)
            Self.expectSitePolicy(response)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try Self.json(response)
            #expect(body["account_id"] as? String == Self.bob)
            #expect(body["stellar_address"] as? String == "bob*localhost")
            #expect(body["memo_type"] as? String == "id")
            #expect(body["memo"] as? String == "42")
        }
    }

    @Test("a reverse lookup by account ID")
    func idLookup() async throws {
        try await request("/federation?type=id&q=\(Self.alice)") { response in
            #expect(response.status == .ok)
            let body = try Self.json(response)
            #expect(body["stellar_address"] as? String == "alice*example.org")
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let uri: String
        let status: HTTPResponse.Status
        var testDescription: String { "\(status.code) \(uri)" }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(uri: "/federation?type=name&q=nobody*localhost", status: .notFound),
        ErrorCase(uri: "/federation?type=name&q=bob*elsewhere.test", status: .notFound),
        ErrorCase(uri: "/federation?type=txid&q=\(String(repeating: "a", count: 64))", status: .notImplemented),
        ErrorCase(uri: "/federation?type=name", status: .badRequest),
        ErrorCase(uri: "/federation", status: .badRequest),
        ErrorCase(uri: "/federation?type=name&q=bob*localhost&q=eve*localhost", status: .badRequest),
        ErrorCase(uri: "/federation?type=name&q=%ZZ", status: .badRequest),
        ErrorCase(uri: "/federation?type=name&q=%C3%28*localhost", status: .badRequest),
        ErrorCase(uri: "/federation?type=name&q=\(String(repeating: "x", count: 3000))", status: .uriTooLong),
        ErrorCase(uri: "/nothing-here", status: .notFound),
        ErrorCase(uri: "/", status: .notFound),
    ]

    @Test("errors are JSON with CORS and HSTS, without any Origin header", arguments: errorCases)
    func errors(_ test: ErrorCase) async throws {
        try await request(test.uri) { response in
            #expect(response.status == test.status)
            Self.expectSitePolicy(response)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let message = try Self.json(response)["error"]
            #expect(message is String)
        }
    }

    @Test("the 2014 protocol at /federation and at the legacy root")
    func legacyProtocol() async throws {
        for path in ["/federation", "/"] {
            try await request("\(path)?type=federation&destination=bob&user=bob&domain=localhost") { response in
                #expect(response.status == .ok)
                Self.expectSitePolicy(response)
                let body = try Self.json(response)
                #expect(body["result"] as? String == "success")
                let record = try #require(body["federation_json"] as? [String: Any])
                #expect(record["type"] as? String == "federation_record")
                #expect(record["destination_address"] as? String == Self.bob)
            }
        }
    }

    // MARK: methods

    @Test("OPTIONS is a CORS preflight on every path: 204, methods, headers, max-age")
    func preflight() async throws {
        for path in ["/federation", "/.well-known/stellar.toml", "/stellar.txt", "/anything"] {
            try await request(path, method: .options) { response in
                #expect(response.status == .noContent)
                Self.expectSitePolicy(response)
                #expect(response.headers[.accessControlAllowMethods] == "GET, HEAD, OPTIONS")
                #expect(response.headers[.accessControlMaxAge] == "86400")
                #expect(response.headers[.accessControlAllowHeaders]?.contains("X-Client-Name") == true)
            }
        }
        let asked: HTTPFields = [
            .origin: "https://wallet.example", .accessControlRequestMethod: "GET",
            .accessControlRequestHeaders: "x-client-name, x-client-version",
        ]
        try await request("/federation", method: .options, headers: asked) { response in
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "*")
            #expect(response.headers[.accessControlAllowHeaders] == "x-client-name, x-client-version")
        }
    }

    @Test("other methods get 405 with Allow", arguments: [HTTPRequest.Method.post, .put, .delete, .patch])
    func methodNotAllowed(_ method: HTTPRequest.Method) async throws {
        try await request("/federation?type=name&q=bob*localhost", method: method, body: ByteBuffer(string: "{}")) { response in
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD, OPTIONS")
            Self.expectSitePolicy(response)
        }
    }

    @Test("a body on GET is ignored")
    func bodyOnGet() async throws {
        try await request("/federation?type=name&q=bob*localhost", body: ByteBuffer(repeating: 0x41, count: 10_000)) { response in
            #expect(response.status == .ok)
        }
    }

    @Test("Connection: close is answered with Connection: close")
    func connectionClose() async throws {
        try await request("/stellar.txt", headers: [.connection: "close"]) { response in
            #expect(response.headers[.connection] == "close")
        }
        try await request("/stellar.txt") { response in
            #expect(response.headers[.connection] == nil)
        }
    }

    @Test("a second Host header is refused")
    func twoHosts() async throws {
        let host = try #require(HTTPField.Name("Host"))
        try await request("/.well-known/stellar.toml", headers: [host: "example.org"]) { response in
            #expect(response.status == .badRequest)
            Self.expectSitePolicy(response)
        }
    }

    @Test("a request with an Origin gets the same single CORS header")
    func withOrigin() async throws {
        try await request("/federation?type=name&q=bob*localhost", headers: [.origin: "https://wallet.example"]) { response in
            Self.expectSitePolicy(response)
        }
    }

    // MARK: metrics

    @Test("lookups are counted by type and result")
    func lookupsAreCounted() async throws {
        let app = try application()
        try await app.test(.router) { client in
            for uri in [
                "/federation?type=name&q=bob*localhost", "/federation?type=name&q=bob*localhost",
                "/federation?type=name&q=nobody*localhost", "/federation?type=id&q=\(Self.alice)",
                "/federation?type=txid&q=\(String(repeating: "a", count: 64))", "/federation?type=%ZZ",
                "/?type=federation&user=bob&domain=localhost",
            ] {
                try await client.execute(uri: uri, method: .get) { _ in }
            }
            try await client.execute(uri: "/.well-known/stellar.toml", method: .get) { _ in }
        }
        func count(_ type: String, _ result: String) throws -> Int64 {
            try metrics.expectCounter("fedns_federation_lookups_total", [("type", type), ("result", result)]).totalValue
        }
        #expect(try count("name", "found") == 2)
        #expect(try count("name", "not_found") == 1)
        #expect(try count("id", "found") == 1)
        #expect(try count("txid", "not_implemented") == 1)
        #expect(try count("other", "invalid") == 1)
        #expect(try count("federation", "found") == 1)
        #expect(try count("name", "invalid") == 0)
    }
}
