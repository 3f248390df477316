import Testing

@testable import Federation

/// What `fedns federation check` concludes from a server's replies: table-driven over made-up responses.
@Suite struct ConformanceTests {
    static func response(
        _ status: Int, _ headers: [(String, String)] = [], _ body: String = "", method: String = "GET"
    ) -> FetchedResponse {
        FetchedResponse(method: method, url: "https://example.org/x", status: status, headers: headers.map { ($0.0, $0.1) }, body: Array(body.utf8))
    }

    static let cors = ("Access-Control-Allow-Origin", "*")
    static let noStore = ("Cache-Control", "no-store")
    static let json = ("Content-Type", "application/json")

    static func outcomes(_ results: [ConformanceResult]) -> [String: ConformanceResult.Outcome] {
        Dictionary(results.map { ($0.check, $0.outcome) }, uniquingKeysWith: { first, _ in first })
    }

    static func failures(_ results: [ConformanceResult]) -> [String] {
        results.filter { $0.outcome == .fail }.map(\.check)
    }

    @Test func aGoodStellarToml() {
        let get = Self.response(200, [Self.cors, ("Content-Type", "text/plain; charset=utf-8")], "FEDERATION_SERVER = \"https://example.org/federation\"\n")
        let results = SiteConformance.stellarToml(get: get, head: Self.response(200, [Self.cors], method: "HEAD"), allowedNetworks: [])
        #expect(Self.failures(results) == [])
        #expect(results.filter { $0.outcome == .warn }.isEmpty)
    }

    @Test("stellar.toml failures", arguments: [
        (response(301, [("Location", "https://www.example.org/.well-known/stellar.toml")]), ["stellar.toml: status"]),
        (response(404), ["stellar.toml: status"]),
        (response(200, [("Content-Type", "text/plain")], "VERSION = \"1\""), ["stellar.toml: GET: Access-Control-Allow-Origin"]),
        (response(200, [cors, ("Content-Type", "text/html")], "VERSION = \"1\""), ["stellar.toml: Content-Type"]),
        (response(200, [cors, ("Content-Type", "text/plain")], "SIGNING_KEY = \"GABC\""), ["stellar.toml: SIGNING_KEY"]),
        (response(200, [cors, ("Content-Type", "text/plain")], "not toml"), ["stellar.toml: file"]),
    ] as [(FetchedResponse, [String])])
    func stellarTomlFailures(get: FetchedResponse, failed: [String]) {
        #expect(Self.failures(SiteConformance.stellarToml(get: get, head: nil, allowedNetworks: [])) == failed)
    }

    @Test("curl --head must see CORS too; text/plain without charset is a warning")
    func headAndCharset() {
        let get = Self.response(200, [Self.cors, ("Content-Type", "text/plain")], "VERSION = \"1\"")
        let results = SiteConformance.stellarToml(get: get, head: Self.response(200, [], method: "HEAD"), allowedNetworks: [])
        #expect(Self.failures(results) == ["stellar.toml: HEAD (curl --head): Access-Control-Allow-Origin"])
        #expect(Self.outcomes(results)["stellar.toml: Content-Type"] == .warn)
    }

    @Test("SEP-2 replies", arguments: [
        // An unknown name: 404 with CORS, no-store and a JSON error.
        ("notFound", response(404, [cors, noStore, json], #"{"error":"not found"}"#), [String]()),
        ("notFound", response(404, [cors, noStore], "Not Found"), []),
        ("notFound", response(200, [cors, noStore], "{}"), ["x: status"]),
        ("notFound", response(404, [noStore], "{}"), ["x: Access-Control-Allow-Origin"]),
        ("notFound", response(404, [cors, ("Cache-Control", "max-age=60")], "{}"), ["x: Cache-Control"]),
        ("refused", response(400, [cors, noStore], #"{"error":"q"}"#), []),
        ("refused", response(200, [cors, noStore], "{}"), ["x: status"]),
        // A found record: memo a string and valid for its type.
        ("found", response(200, [cors, noStore], #"{"stellar_address":"bob*example.org","account_id":"GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ","memo_type":"id","memo":"42"}"#), []),
        ("found", response(200, [cors, noStore], #"{"account_id":"GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ","memo_type":"id","memo":42}"#), ["x: memo"]),
        ("found", response(200, [cors, noStore], #"{"account_id":"GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ","memo_type":"id"}"#), ["x: memo"]),
        ("found", response(200, [cors, noStore], #"{"account_id":"GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ","memo_type":"hash","memo":"abc"}"#), ["x: memo"]),
        ("found", response(200, [cors, noStore], #"{"account_id":"GABC"}"#), ["x: account_id"]),
        ("found", response(404, [cors, noStore], "{}"), ["x: status"]),
    ] as [(String, FetchedResponse, [String])])
    func federationReplies(kind: String, response: FetchedResponse, failed: [String]) {
        let results =
            switch kind {
            case "notFound": SiteConformance.notFound(response, label: "x")
            case "refused": SiteConformance.refused(response, label: "x")
            default: SiteConformance.found(response, label: "x")
            }
        #expect(Self.failures(results) == failed)
    }

    @Test("a SEP-10 challenge is checked as a client would before signing it")
    func webAuthChallenge() throws {
        let vector = SEP10Vectors.of(kind: "challenge")[0]
        let body = #"{"transaction":"\#(vector.envelope)","network_passphrase":"\#(vector.network_passphrase)"}"#
        let check = { (signingKey: String, home: String) in
            SiteConformance.webAuthChallenge(
                Self.response(200, [Self.cors], body), label: "x", signingKey: signingKey, networkPassphrase: vector.network_passphrase,
                homeDomain: home, webAuthDomain: "example.org")
        }
        #expect(Self.failures(check(SEP10Vectors.shared.server_account, "example.org")) == [])
        #expect(Self.failures(check(SEP10Vectors.shared.other_account, "example.org")) == ["x: SEP-10 challenge"])
        #expect(Self.failures(check(SEP10Vectors.shared.server_account, "example.net")) == ["x: SEP-10 challenge"])
    }
}
