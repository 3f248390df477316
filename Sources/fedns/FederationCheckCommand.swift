import ArgumentParser
import Federation
import FederationHTTP
import Foundation

extension FederationCommand {
    /// `fedns federation check https://DOMAIN`: any Stellar site, fedns or not, held to SEP-1 and SEP-2 (and SEP-10's
    /// challenge when published), with one line per check and a verdict last.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a Stellar site's stellar.toml (SEP-1 v2.7) and federation server (SEP-2) the way clients use them.",
            discussion: """
                Fetches https://DOMAIN/.well-known/stellar.toml (GET and HEAD, no redirects followed) and checks it as \
                the anchor test suite does: status, CORS, content type, size, known keys and their types, URLs, keys, \
                NETWORK_PASSPHRASE, CURRENCIES, DOCUMENTATION, PRINCIPALS and VALIDATORS. Then asks FEDERATION_SERVER for \
                an unknown name (404, JSON error), for a name without q (an error), and with --address for a known one \
                both ways (memo always a string), checking CORS and Cache-Control: no-store on every reply; and \
                WEB_AUTH_ENDPOINT, when published, for a SEP-10 challenge. Exits 0 when nothing failed, 1 when a check \
                failed, 2 when the site could not be checked.
                """)

        @Argument(help: "The site: https://DOMAIN (or DOMAIN; a port is allowed, e.g. https://localhost:8443).")
        var site: String

        @Option(help: "A known Stellar address (NAME*DOMAIN) to look up by name and back by account.")
        var address: String?

        @Option(help: "A PEM file of extra trust roots (a private CA).")
        var caFile: String?

        @Option(help: "Accept this NETWORK_PASSPHRASE besides the public and test networks (repeatable).")
        var allowNetworkPassphrase: [String] = []

        @Flag(help: "Print the results as a JSON array of {outcome, check, detail}.")
        var json = false

        func run() async throws {
            let results: [ConformanceResult]
            do {
                results = try await SiteChecker.run(
                    .init(site: site, caFile: caFile, address: address, allowedNetworks: allowNetworkPassphrase))
            } catch {
                printError("fedns federation check: \(error)")
                throw ExitCode(2)
            }
            let failed = results.filter { $0.outcome == .fail }.count
            let warnings = results.filter { $0.outcome == .warn }.count
            if json {
                let entries = results.map { ["outcome": $0.outcome.rawValue, "check": $0.check, "detail": $0.detail] }
                let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("Checking \(site)")
                for result in results { print(result) }
                print("result: \(failed == 0 ? "PASS" : "FAIL"), \(results.count) checks, \(failed) failed, \(warnings) warnings")
            }
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
