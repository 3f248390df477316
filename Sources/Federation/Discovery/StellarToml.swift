import FednsSupport
import TOMLKit

/// `stellar.toml` (SEP-1): generated from the configuration, merged with the operator's own keys, validated.
///
/// The file served is fedns's own keys followed by the operator's file verbatim (so its comments and layout
/// survive). fedns writes `FEDERATION_SERVER` (the endpoint is fedns, so its URL comes from the fedns
/// configuration's `public_url`) and, with SEP-10 configured, `WEB_AUTH_ENDPOINT`, `SIGNING_KEY` and
/// `NETWORK_PASSPHRASE` (from `[federation.auth]`). The operator's file may not set those itself: two sources for one
/// value would disagree sooner or later, so such a file is refused with a message saying so.
///
/// The whole served file must pass ``SEP1Rules`` (SEP-1 v2.7 as the anchor test suite checks it): errors stop it
/// from being served; warnings are kept with the document (``DiscoveryDocument/warnings``) for the operator.
public enum StellarToml {
    /// The body must be smaller than this (SEP-1 says 100 KB; the anchor test suite fails at 100,000 bytes).
    public static let maximumBytes = 100_000

    public static let publicNetworkPassphrase = StellarNetwork.publicNetwork.passphrase
    public static let testNetworkPassphrase = StellarNetwork.testNetwork.passphrase

    /// What fedns publishes for SEP-10 when it runs the web authentication endpoint itself.
    public struct WebAuthKeys: Hashable, Sendable {
        public var signingKey: AccountID
        public var network: StellarNetwork

        public init(signingKey: AccountID, network: StellarNetwork) {
            self.signingKey = signingKey
            self.network = network
        }
    }

    /// The stellar.toml to serve for `domain`.
    /// - Parameters:
    ///   - publicURL: the configured base URL, if any (see ``FederationEndpoint``).
    ///   - webAuth: SEP-10's keys, when fedns serves `/auth`.
    ///   - operatorTOML: the text of the operator's own stellar.toml keys, if configured.
    ///   - operatorSource: where that text came from (a path), for messages.
    ///   - allowedNetworks: network passphrases accepted besides the public and test networks.
    public static func document(
        for domain: FederationDomain, publicURL: HTTPSURL?, webAuth: WebAuthKeys? = nil, operatorTOML: String? = nil,
        operatorSource: String = "stellar.toml", allowedNetworks: [String] = []
    ) throws(StellarTomlError) -> DiscoveryDocument {
        var operatorText = operatorTOML ?? ""
        if operatorText.hasPrefix("\u{FEFF}") { operatorText.removeFirst() }
        let operatorTable = try parse(operatorText, source: operatorSource)
        var written = ["FEDERATION_SERVER": FederationEndpoint.url(for: domain, publicURL: publicURL).description]
        var header = "# Stellar discovery for \(domain) (SEP-1). FEDERATION_SERVER is set by fedns.\n"
        var order = ["FEDERATION_SERVER"]
        if let webAuth {
            written["WEB_AUTH_ENDPOINT"] = WebAuthEndpoint.url(for: domain, publicURL: publicURL).description
            written["SIGNING_KEY"] = webAuth.signingKey.description
            written["NETWORK_PASSPHRASE"] = webAuth.network.passphrase
            order += ["WEB_AUTH_ENDPOINT", "SIGNING_KEY", "NETWORK_PASSPHRASE"]
            header =
                "# Stellar discovery for \(domain) (SEP-1). FEDERATION_SERVER, WEB_AUTH_ENDPOINT, SIGNING_KEY and "
                + "NETWORK_PASSPHRASE are set by fedns.\n"
        }
        let clashes = order.filter { operatorTable[$0] != nil }
        guard clashes.isEmpty else {
            throw StellarTomlError(
                source: operatorSource,
                problems: clashes.map { key in
                    StellarTomlProblem(
                        key: key, rule: "set-by-fedns",
                        message: key == "FEDERATION_SERVER"
                            ? "remove it: fedns writes FEDERATION_SERVER itself (set the federation public_url in the fedns "
                                + "configuration to change it)"
                            : "remove it: fedns writes \(key) itself from [federation.auth]")
                })
        }

        var text = header
        for key in order { text += "\(key) = \"\(written[key] ?? "")\"\n" }
        if !operatorText.isEmpty { text += "\n" + operatorText + (operatorText.hasSuffix("\n") ? "" : "\n") }
        // The merged file is what clients read, so it is what is checked; its keys are the operator's, or ours.
        let problems = check(text, source: operatorSource, allowedNetworks: allowedNetworks)
        let errors = problems.filter { $0.severity == .error }
        guard errors.isEmpty else { throw StellarTomlError(source: operatorSource, problems: errors) }
        return DiscoveryDocument(text: text, warnings: problems.filter { $0.severity == .warning })
    }

    /// Validates a complete stellar.toml (one fedns generated, or any other), throwing when any problem is an error.
    public static func validate(_ text: String, source: String, allowedNetworks: [String] = []) throws(StellarTomlError) {
        let errors = check(text, source: source, allowedNetworks: allowedNetworks).filter { $0.severity == .error }
        guard errors.isEmpty else { throw StellarTomlError(source: source, problems: errors) }
    }

    /// Every problem with a complete stellar.toml, errors and warnings, in key order (the size first).
    public static func check(_ text: String, source: String = "stellar.toml", allowedNetworks: [String] = []) -> [StellarTomlProblem] {
        var problems: [StellarTomlProblem] = []
        let size = text.utf8.count
        if size >= maximumBytes {
            problems.append(
                .init(key: "", rule: "size", message: "the file is \(size) bytes; SEP-1 allows less than \(maximumBytes) (100 KB)"))
        }
        do {
            problems += SEP1Rules(allowedNetworks: allowedNetworks).check(try parse(text, source: source))
        } catch {
            problems += error.problems
        }
        return problems
    }

    /// The file's top-level string keys (`FEDERATION_SERVER`, `SIGNING_KEY`, …); empty when it is not TOML.
    public static func rootStrings(_ text: String) -> [String: String] {
        guard TOMLGuard.problem(in: text) == nil, let table = try? TOMLTable(string: text) else { return [:] }
        var values: [String: String] = [:]
        for key in table.keys { if let value = table[key]?.string { values[key] = value } }
        return values
    }

    private static func parse(_ text: String, source: String) throws(StellarTomlError) -> TOMLTable {
        // Text the TOML parser would abort on is refused first (a stellar.toml fetched by `fedns federation check`
        // comes from anyone's site).
        if let problem = TOMLGuard.problem(in: text) {
            throw StellarTomlError(source: source, problems: [.init(key: "", rule: "toml", message: problem.description)])
        }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw StellarTomlError(
                source: source,
                problems: [
                    .init(
                        key: "", rule: "toml",
                        message: "not valid TOML at line \(position.line), column \(position.column): \(error.description)")
                ])
        } catch {
            throw StellarTomlError(source: source, problems: [.init(key: "", rule: "toml", message: "not valid TOML: \(error)")])
        }
    }
}

/// Problems with a stellar.toml, each naming its key (`CURRENCIES[0].issuer`), the rule and what to change.
public struct StellarTomlError: Error, Hashable, Sendable, CustomStringConvertible {
    public typealias Problem = StellarTomlProblem

    public var source: String
    public var problems: [Problem]

    public init(source: String, problems: [Problem]) {
        self.source = source
        self.problems = problems
    }

    public var description: String {
        problems.map { "\(source): \($0)" }.joined(separator: "\n")
    }
}
