import TOMLKit

/// `stellar.toml` (SEP-1): generated from the configuration, merged with the operator's own keys, validated.
///
/// The file served is `FEDERATION_SERVER = "<endpoint>"` followed by the operator's file verbatim (so its
/// comments and layout survive). The operator's file may not set `FEDERATION_SERVER` itself: the endpoint is
/// fedns, so its URL comes from the fedns configuration (`public_url`), and two sources for one value would
/// disagree sooner or later. Such a file is refused with a message saying so.
///
/// Validation, of the operator's file and of the result:
/// - it parses as TOML 1.0;
/// - the result is smaller than ``maximumBytes`` (SEP-1 says 100 KB; stellar-anchor-tests fails at 100,000 bytes);
/// - every string that starts with `http://` or `https://`, anywhere, is an https URL without a trailing `/`, and
///   the keys SEP-1 defines as endpoints (FEDERATION_SERVER, TRANSFER_SERVER, WEB_AUTH_ENDPOINT, …) must be such
///   URLs without a query string;
/// - keys that hold accounts (SIGNING_KEY, URI_REQUEST_SIGNING_KEY, ACCOUNTS, CURRENCIES.issuer,
///   VALIDATORS.PUBLIC_KEY) are valid `G…` StrKeys, and contract keys (WEB_AUTH_CONTRACT_ID, CURRENCIES.contract)
///   valid `C…` StrKeys;
/// - NETWORK_PASSPHRASE, when set, is the public or the test network's.
public enum StellarToml {
    /// The body must be smaller than this.
    public static let maximumBytes = 100_000

    public static let publicNetworkPassphrase = "Public Global Stellar Network ; September 2015"
    public static let testNetworkPassphrase = "Test SDF Network ; September 2015"

    /// The stellar.toml to serve for `domain`.
    /// - Parameters:
    ///   - publicURL: the configured base URL, if any (see ``FederationEndpoint``).
    ///   - operatorTOML: the text of the operator's own stellar.toml keys, if configured.
    ///   - operatorSource: where that text came from (a path), for messages.
    public static func document(
        for domain: FederationDomain, publicURL: HTTPSURL?, operatorTOML: String? = nil,
        operatorSource: String = "stellar.toml"
    ) throws(StellarTomlError) -> DiscoveryDocument {
        var operatorText = operatorTOML ?? ""
        if operatorText.hasPrefix("\u{FEFF}") { operatorText.removeFirst() }
        let operatorTable = try parse(operatorText, source: operatorSource)
        if operatorTable["FEDERATION_SERVER"] != nil {
            throw StellarTomlError(
                source: operatorSource,
                problems: [
                    .init(
                        key: "FEDERATION_SERVER",
                        message: "remove it: fedns writes FEDERATION_SERVER itself (set the federation public_url "
                            + "in the fedns configuration to change it)")
                ])
        }
        var problems = check(operatorTable)

        let endpoint = FederationEndpoint.url(for: domain, publicURL: publicURL)
        var text = "# Stellar discovery for \(domain) (SEP-1). FEDERATION_SERVER is set by fedns.\n"
        text += "FEDERATION_SERVER = \"\(endpoint)\"\n"
        if !operatorText.isEmpty { text += "\n" + operatorText + (operatorText.hasSuffix("\n") ? "" : "\n") }
        let size = text.utf8.count
        if size >= maximumBytes {
            problems.append(
                .init(key: "", message: "the served file would be \(size) bytes; keep it under \(maximumBytes) (SEP-1's limit)"))
        }
        guard problems.isEmpty else { throw StellarTomlError(source: operatorSource, problems: problems) }
        // The merged text adds one root key that the operator's file does not have; parse it anyway, so that
        // nothing unparseable is ever served.
        _ = try parse(text, source: "generated stellar.toml")
        return DiscoveryDocument(text: text)
    }

    /// Validates a complete stellar.toml (one fedns generated, or any other), reporting every problem.
    public static func validate(_ text: String, source: String) throws(StellarTomlError) {
        var problems = check(try parse(text, source: source))
        if text.utf8.count >= maximumBytes {
            problems.append(.init(key: "", message: "it is \(text.utf8.count) bytes; keep it under \(maximumBytes)"))
        }
        guard problems.isEmpty else { throw StellarTomlError(source: source, problems: problems) }
    }

    private static func parse(_ text: String, source: String) throws(StellarTomlError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw StellarTomlError(
                source: source,
                problems: [
                    .init(key: "", message: "not valid TOML at line \(position.line), column \(position.column): \(error.description)")
                ])
        } catch {
            throw StellarTomlError(source: source, problems: [.init(key: "", message: "not valid TOML: \(error)")])
        }
    }

    /// What a key must hold, by its path with array indices removed (`CURRENCIES.issuer`).
    private enum Rule {
        case endpoint, link, account, accounts, contract, networkPassphrase
    }

    private static let rules: [String: Rule] = [
        "FEDERATION_SERVER": .endpoint, "AUTH_SERVER": .endpoint, "TRANSFER_SERVER": .endpoint,
        "TRANSFER_SERVER_SEP0024": .endpoint, "KYC_SERVER": .endpoint, "WEB_AUTH_ENDPOINT": .endpoint,
        "WEB_AUTH_FOR_CONTRACTS_ENDPOINT": .endpoint, "HORIZON_URL": .endpoint, "DIRECT_PAYMENT_SERVER": .endpoint,
        "ANCHOR_QUOTE_SERVER": .endpoint,
        "DOCUMENTATION.ORG_URL": .link, "DOCUMENTATION.ORG_LOGO": .link,
        "DOCUMENTATION.ORG_PHYSICAL_ADDRESS_ATTESTATION": .link, "DOCUMENTATION.ORG_PHONE_NUMBER_ATTESTATION": .link,
        "CURRENCIES.image": .link, "CURRENCIES.attestation_of_reserve": .link, "CURRENCIES.toml": .link,
        "VALIDATORS.HISTORY": .link,
        "SIGNING_KEY": .account, "URI_REQUEST_SIGNING_KEY": .account, "ACCOUNTS": .accounts,
        "CURRENCIES.issuer": .account, "VALIDATORS.PUBLIC_KEY": .account,
        "WEB_AUTH_CONTRACT_ID": .contract, "CURRENCIES.contract": .contract,
        "NETWORK_PASSPHRASE": .networkPassphrase,
    ]

    private static func check(_ table: TOMLTable) -> [StellarTomlError.Problem] {
        var problems: [StellarTomlError.Problem] = []
        visit(table, key: "", rulePath: "", problems: &problems)
        return problems
    }

    private static func visit(
        _ value: any TOMLValueConvertible, key: String, rulePath: String, problems: inout [StellarTomlError.Problem]
    ) {
        if let table = value.table {
            for name in table.keys.sorted() {
                guard let child = table[name] else { continue }
                let childKey = key.isEmpty ? name : "\(key).\(name)"
                let childRulePath = rulePath.isEmpty ? name : "\(rulePath).\(name)"
                visit(child, key: childKey, rulePath: childRulePath, problems: &problems)
            }
            return
        }
        if let array = value.array {
            // Elements keep the array's rule path: [[CURRENCIES]] tables give CURRENCIES.issuer, and each string
            // of ACCOUNTS is checked as an account.
            for (index, element) in array.enumerated() {
                visit(element, key: "\(key)[\(index)]", rulePath: rulePath, problems: &problems)
            }
            return
        }
        if let message = problem(with: value, rule: rules[rulePath]) {
            problems.append(.init(key: key, message: message))
        }
    }

    private static func problem(with value: any TOMLValueConvertible, rule: Rule?) -> String? {
        guard let text = value.string else { return rule == nil ? nil : "expected a string" }
        switch rule {
        case .endpoint, .link:
            do {
                _ = try HTTPSURL(text, strictness: rule == .endpoint ? .endpoint : .link)
            } catch {
                return "\"\(text)\" \(error)"
            }
        case .account, .accounts:
            do {
                _ = try AccountID(text)
            } catch {
                return "\"\(text)\" is not a Stellar account ID: \(error)"
            }
        case .contract:
            do {
                let key = try StrKey(text)
                guard key.kind == .contract else { throw StrKeyError.wrongKind(found: key.kind, expected: .contract) }
            } catch {
                return "\"\(text)\" is not a contract ID: \(error)"
            }
        case .networkPassphrase:
            guard text == publicNetworkPassphrase || text == testNetworkPassphrase else {
                return "expected \"\(publicNetworkPassphrase)\" or \"\(testNetworkPassphrase)\""
            }
        case nil:
            // Any other string that looks like a web address must still be https without a trailing slash.
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
            do {
                _ = try HTTPSURL(text, strictness: .link)
            } catch {
                return "\"\(text)\" \(error)"
            }
        }
        return nil
    }
}

/// Problems with a stellar.toml, each naming its key (`CURRENCIES[0].issuer`) and what to change.
public struct StellarTomlError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Problem: Hashable, Sendable {
        /// The full key, or empty for the whole file.
        public var key: String
        public var message: String
    }

    public var source: String
    public var problems: [Problem]

    public var description: String {
        problems.map { $0.key.isEmpty ? "\(source): \($0.message)" : "\(source): \($0.key): \($0.message)" }
            .joined(separator: "\n")
    }
}
