import Federation
import HTTPTypes
import Testing

@testable import FederationHTTP

@Suite("Site: Host header to domain")
struct SiteTests {
    let site: FederationSite

    init() throws {
        site = try FederationSite(
            domains: [try FederationDomain("example.org"), try FederationDomain("localhost:8443")],
            publicURL: try HTTPSURL("https://fed.example.net:9443/stellar"))
    }

    func domain(_ host: String) -> String? {
        switch site.resolve(host: host) {
        case .domain(let documents): documents.domain.description
        case .endpointOnly: "endpoint only"
        case nil: nil
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let host: String
        let expected: String?
        var testDescription: String { "\(host) -> \(expected ?? "nothing")" }
    }

    static let cases: [Case] = [
        Case(host: "example.org", expected: "example.org"),
        Case(host: "www.example.org", expected: "example.org"),
        Case(host: "stellar.example.org", expected: "example.org"),
        Case(host: "EXAMPLE.Org", expected: "example.org"),
        Case(host: "example.org.", expected: "example.org"),
        Case(host: "example.org:8443", expected: "example.org"),
        Case(host: "www.example.org:443", expected: "example.org"),
        Case(host: "localhost:8443", expected: "localhost:8443"),
        Case(host: "stellar.localhost:8443", expected: "localhost:8443"),
        Case(host: "fed.example.net:9443", expected: "endpoint only"),
        // A host configured with a port (a domain for tests, or public_url) is that port only.
        Case(host: "fed.example.net", expected: nil),
        Case(host: "localhost", expected: nil),
        Case(host: "localhost:9999", expected: nil),
        Case(host: "other.example.org", expected: nil),
        Case(host: "example.org.evil.test", expected: nil),
        Case(host: "127.0.0.1:8443", expected: nil),
        Case(host: "[::1]:8443", expected: nil),
        Case(host: "example.org:", expected: nil),
        Case(host: "example.org:99999", expected: nil),
        Case(host: "example.org:80a", expected: nil),
        Case(host: "example.org:+80", expected: nil),
        Case(host: "", expected: nil),
    ]

    @Test("resolves every spelling of a served host, and nothing else", arguments: cases)
    func resolve(_ test: Case) {
        #expect(domain(test.host) == test.expected)
    }

    @Test("each domain gets its own discovery files, FEDERATION_SERVER from public_url when set")
    func documentsPerDomain() throws {
        guard case .domain(let documents) = site.resolve(host: "example.org") else {
            Issue.record("example.org not served")
            return
        }
        #expect(documents.stellarToml.text.contains("FEDERATION_SERVER = \"https://fed.example.net:9443/stellar/federation\"\n"))
        #expect(documents.stellarTxt.text.contains("[federation_url]\nhttps://fed.example.net:9443/stellar/federation\n"))
        let plain = try FederationSite(domains: [try FederationDomain("example.org")], publicURL: nil)
        guard case .domain(let own) = plain.resolve(host: "example.org") else {
            Issue.record("example.org not served")
            return
        }
        #expect(own.stellarToml.text.contains("FEDERATION_SERVER = \"https://example.org/federation\"\n"))
        #expect(own.stellarToml.headers[.cacheControl] == ServedDocument.cacheControl)
        #expect(own.stellarToml.headers[.eTag] == own.stellarToml.etag)
    }

    @Test("the operator's keys are merged and validated at build time")
    func operatorToml() throws {
        let site = try FederationSite(
            domains: [try FederationDomain("example.org")], publicURL: nil,
            operatorTOML: "NETWORK_PASSPHRASE = \"Public Global Stellar Network ; September 2015\"\n")
        guard case .domain(let documents) = site.resolve(host: "example.org") else {
            Issue.record("example.org not served")
            return
        }
        #expect(documents.stellarToml.text.contains("NETWORK_PASSPHRASE"))
        #expect(throws: StellarTomlError.self) {
            try FederationSite(
                domains: [try FederationDomain("example.org")], publicURL: nil,
                operatorTOML: "TRANSFER_SERVER = \"http://example.org/sep6\"\n", operatorSource: "extra.toml")
        }
    }
}
