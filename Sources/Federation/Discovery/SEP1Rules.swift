import TOMLKit

/// The SEP-1 (v2.7) rules a `stellar.toml` is checked against, as the ecosystem's anchor test suite checks them and a
/// little further: the file's size, every key SEP-1 defines with its type, URLs (https, no trailing slash; plain
/// http only for localhost), accounts and contracts as valid StrKeys, `NETWORK_PASSPHRASE` a known network (or one
/// the operator allowed), and the shapes of `[DOCUMENTATION]`, `[[PRINCIPALS]]`, `[[CURRENCIES]]` and
/// `[[VALIDATORS]]`.
///
/// Each problem names its key (`CURRENCIES[0].issuer`), the rule and what to change. Problems that clients trip over
/// are errors; what is only unusual (a key SEP-1 does not define, a phone number not in E.164, a currency missing a
/// field the anchor test suite asks for) is a warning.
struct SEP1Rules {
    /// Network passphrases accepted besides the public and test networks (a private or future network).
    var allowedNetworks: [String] = []

    /// What a value must be.
    enum Rule {
        case string(maximumLength: Int? = nil)
        /// An API endpoint (clients append their own query).
        case endpoint
        /// A link (documentation, an image); a query string is fine.
        case link
        case account, accountList, contract, networkPassphrase
        case integer(ClosedRange<Int>)
        case boolean
        case oneOf([String])
        case stringList
        /// Formats that are advice rather than protocol: a mismatch is a warning.
        case email, phone, sha256Hex, validatorAlias, hostAndPort
        case table([String: Rule], required: [Requirement] = [])
        case tables([String: Rule], required: [Requirement] = [])
    }

    /// A field a table must have: one of `anyOf`, as an error (SEP-1) or a warning (the anchor test suite only).
    struct Requirement {
        var anyOf: [String]
        var severity: StellarTomlProblem.Severity
    }

    static let documentation: [String: Rule] = [
        "ORG_NAME": .string(), "ORG_DBA": .string(), "ORG_URL": .link, "ORG_LOGO": .link, "ORG_DESCRIPTION": .string(),
        "ORG_PHYSICAL_ADDRESS": .string(), "ORG_PHYSICAL_ADDRESS_ATTESTATION": .link, "ORG_PHONE_NUMBER": .phone,
        "ORG_PHONE_NUMBER_ATTESTATION": .link, "ORG_KEYBASE": .string(), "ORG_TWITTER": .string(), "ORG_GITHUB": .string(),
        "ORG_OFFICIAL_EMAIL": .email, "ORG_SUPPORT_EMAIL": .email, "ORG_LICENSING_AUTHORITY": .string(),
        "ORG_LICENSE_TYPE": .string(), "ORG_LICENSE_NUMBER": .string(),
    ]

    static let principal: [String: Rule] = [
        "name": .string(), "email": .email, "keybase": .string(), "telegram": .string(), "twitter": .string(),
        "github": .string(), "id_photo_hash": .sha256Hex, "verification_photo_hash": .sha256Hex,
    ]

    static let currency: [String: Rule] = [
        "code": .string(maximumLength: 12), "code_template": .string(maximumLength: 12), "issuer": .account,
        "contract": .contract, "status": .oneOf(["live", "dead", "test", "private"]), "display_decimals": .integer(0...7),
        "name": .string(maximumLength: 20), "desc": .string(), "conditions": .string(), "image": .link,
        "fixed_number": .integer(0...Int.max), "max_number": .integer(0...Int.max), "is_unlimited": .boolean,
        "is_asset_anchored": .boolean,
        "anchor_asset_type": .oneOf(["fiat", "crypto", "nft", "stock", "bond", "commodity", "realestate", "other"]),
        "anchor_asset": .string(), "attestation_of_reserve": .link, "redemption_instructions": .string(),
        "collateral_addresses": .stringList, "collateral_address_messages": .stringList,
        "collateral_address_signatures": .stringList, "regulated": .boolean, "approval_server": .endpoint,
        "approval_criteria": .string(),
        // A currency may instead point to a file of its own with the same fields.
        "toml": .link,
    ]

    static let currencyRequirements = [
        Requirement(anyOf: ["code", "code_template"], severity: .error),
        Requirement(anyOf: ["issuer", "contract"], severity: .error),
        Requirement(anyOf: ["desc"], severity: .warning), Requirement(anyOf: ["status"], severity: .warning),
        Requirement(anyOf: ["is_asset_anchored"], severity: .warning), Requirement(anyOf: ["anchor_asset_type"], severity: .warning),
    ]

    static let validator: [String: Rule] = [
        "ALIAS": .validatorAlias, "DISPLAY_NAME": .string(), "PUBLIC_KEY": .account, "HOST": .hostAndPort, "HISTORY": .link,
    ]

    static let root: [String: Rule] = [
        "VERSION": .string(), "NETWORK_PASSPHRASE": .networkPassphrase,
        "FEDERATION_SERVER": .endpoint, "AUTH_SERVER": .endpoint, "TRANSFER_SERVER": .endpoint,
        "TRANSFER_SERVER_SEP0024": .endpoint, "KYC_SERVER": .endpoint, "WEB_AUTH_ENDPOINT": .endpoint,
        "WEB_AUTH_FOR_CONTRACTS_ENDPOINT": .endpoint, "WEB_AUTH_CONTRACT_ID": .contract, "SIGNING_KEY": .account,
        "HORIZON_URL": .endpoint, "ACCOUNTS": .accountList, "URI_REQUEST_SIGNING_KEY": .account,
        "DIRECT_PAYMENT_SERVER": .endpoint, "ANCHOR_QUOTE_SERVER": .endpoint,
        "DOCUMENTATION": .table(documentation), "PRINCIPALS": .tables(principal),
        "CURRENCIES": .tables(currency, required: currencyRequirements), "VALIDATORS": .tables(validator),
    ]

    /// Every problem with a parsed file.
    func check(_ table: TOMLTable) -> [StellarTomlProblem] {
        var problems: [StellarTomlProblem] = []
        checkTable(table, rules: Self.root, required: [], path: "", problems: &problems)
        return problems
    }

    private func checkTable(
        _ table: TOMLTable, rules: [String: Rule], required: [Requirement], path: String, problems: inout [StellarTomlProblem]
    ) {
        let key = { (name: String) in path.isEmpty ? name : "\(path).\(name)" }
        // A currency described in a file of its own needs nothing else here.
        let linked = rules["toml"] != nil && table["toml"] != nil
        for requirement in required where !linked && !requirement.anyOf.contains(where: { table[$0] != nil }) {
            let names = requirement.anyOf.joined(separator: " or ")
            problems.append(
                .init(
                    key: path, rule: "required", severity: requirement.severity,
                    message: requirement.severity == .error
                        ? "\(names) is required" : "\(names) is missing (the anchor test suite requires it)"))
        }
        for name in table.keys.sorted() {
            guard let value = table[name] else { continue }
            if let rule = rules[name] {
                check(value, rule: rule, key: key(name), problems: &problems)
            } else {
                problems.append(
                    .init(key: key(name), rule: "known-key", severity: .warning, message: "not a key SEP-1 v2.7 defines here"))
                checkUnknown(value, key: key(name), problems: &problems)
            }
        }
    }

    private func check(_ value: any TOMLValueConvertible, rule: Rule, key: String, problems: inout [StellarTomlProblem]) {
        func error(_ rule: String, _ message: String) {
            problems.append(.init(key: key, rule: rule, severity: .error, message: message))
        }
        func warning(_ rule: String, _ message: String) {
            problems.append(.init(key: key, rule: rule, severity: .warning, message: message))
        }
        switch rule {
        case .table(let fields, let required):
            guard let table = value.table else { return error("type", "expected a table ([\(key)])") }
            checkTable(table, rules: fields, required: required, path: key, problems: &problems)
        case .tables(let fields, let required):
            guard let array = value.array else { return error("type", "expected an array of tables ([[\(key)]])") }
            for (index, element) in array.enumerated() {
                guard let table = element.table else {
                    problems.append(.init(key: "\(key)[\(index)]", rule: "type", severity: .error, message: "expected a table"))
                    continue
                }
                checkTable(table, rules: fields, required: required, path: "\(key)[\(index)]", problems: &problems)
            }
        case .integer(let range):
            guard let number = value.int else { return error("type", "expected an integer") }
            if !range.contains(number) { error("range", "expected \(range.lowerBound)…\(range.upperBound == Int.max ? "" : String(range.upperBound)), found \(number)") }
        case .boolean:
            if value.bool == nil { error("type", "expected true or false") }
        case .stringList, .accountList:
            guard let array = value.array else { return error("type", "expected an array of strings") }
            for (index, element) in array.enumerated() {
                let elementRule: Rule = if case .accountList = rule { .account } else { .string() }
                check(element, rule: elementRule, key: "\(key)[\(index)]", problems: &problems)
            }
        default:
            guard let text = value.string else { return error("type", "expected a string") }
            if let (name, message, isError) = problem(text, rule: rule) {
                isError ? error(name, message) : warning(name, message)
            }
        }
    }

    /// A key SEP-1 does not define: its strings that look like web addresses must still be usable URLs.
    private func checkUnknown(_ value: any TOMLValueConvertible, key: String, problems: inout [StellarTomlProblem]) {
        if let table = value.table {
            for name in table.keys.sorted() { if let child = table[name] { checkUnknown(child, key: "\(key).\(name)", problems: &problems) } }
        } else if let array = value.array {
            for (index, element) in array.enumerated() { checkUnknown(element, key: "\(key)[\(index)]", problems: &problems) }
        } else if let text = value.string, text.lowercased().hasPrefix("http://") || text.lowercased().hasPrefix("https://"),
            let (name, message, _) = problem(text, rule: .link)
        {
            problems.append(.init(key: key, rule: name, severity: .error, message: message))
        }
    }

    /// The rule a string breaks, its message, and whether that is an error.
    private func problem(_ text: String, rule: Rule) -> (String, String, Bool)? {
        switch rule {
        case .string(let maximumLength):
            if let maximumLength, text.count > maximumLength {
                return ("max-length", "\"\(text.prefix(40))\" has \(text.count) characters; at most \(maximumLength)", true)
            }
        case .endpoint, .link:
            let strictness: HTTPSURL.Strictness = if case .endpoint = rule { .endpoint } else { .link }
            if let message = Self.urlProblem(text, strictness: strictness) {
                return ("url", "\"\(text.prefix(200))\" \(message)", true)
            }
        case .account:
            do {
                _ = try AccountID(text)
            } catch {
                return ("account-id", "\"\(text.prefix(80))\" is not a Stellar account ID: \(error)", true)
            }
        case .contract:
            do {
                let key = try StrKey(text)
                guard key.kind == .contract else { throw StrKeyError.wrongKind(found: key.kind, expected: .contract) }
            } catch {
                return ("contract-id", "\"\(text.prefix(80))\" is not a contract ID: \(error)", true)
            }
        case .networkPassphrase:
            let known = StellarNetwork.known.map(\.passphrase)
            guard known.contains(text) || allowedNetworks.contains(text) else {
                var message = "expected \"\(known[0])\" or \"\(known[1])\""
                if !allowedNetworks.isEmpty { message += " or an allowed one (\(allowedNetworks.map { "\"\($0)\"" }.joined(separator: ", ")))" }
                return ("network-passphrase", message, true)
            }
        case .oneOf(let choices):
            if !choices.contains(text) { return ("enum", "\"\(text.prefix(40))\" is not one of \(choices.joined(separator: ", "))", true) }
        case .email:
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count != 2 || parts.contains(where: \.isEmpty) || text.contains(where: \.isWhitespace) || !parts[1].contains(".") {
                return ("email", "\"\(text.prefix(80))\" does not look like an email address", false)
            }
        case .phone:
            // E.164: '+', a non-zero digit, at most 15 digits in all.
            let digits = text.dropFirst()
            if !(text.hasPrefix("+") && (2...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber } && digits.first != "0") {
                return ("e164", "\"\(text.prefix(40))\" is not in E.164 format (e.g. +14155550100)", false)
            }
        case .sha256Hex:
            if !(text.count == 64 && text.allSatisfy(\.isHexDigit)) {
                return ("sha256", "expected the SHA-256 hash as 64 hex digits", false)
            }
        case .validatorAlias:
            if !((2...16).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
                return ("alias", "\"\(text.prefix(40))\" should match ^[a-z0-9-]{2,16}$", false)
            }
        case .hostAndPort:
            if text.isEmpty || text.contains(where: \.isWhitespace) || text.contains("/") {
                return ("host", "\"\(text.prefix(80))\" should be a host name or IP address with an optional :port", false)
            }
        case .integer, .boolean, .stringList, .accountList, .table, .tables:
            break
        }
        return nil
    }

    /// https without a trailing slash; plain http is accepted only for localhost (as the anchor test suite does when
    /// it tests a local server).
    static func urlProblem(_ text: String, strictness: HTTPSURL.Strictness) -> String? {
        var candidate = text
        if text.lowercased().hasPrefix("http://") {
            let rest = text.dropFirst("http://".count)
            guard isLocalHost(authority: rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }) else {
                return URLProblem.notHTTPS.description
            }
            candidate = "https://" + rest
        }
        do {
            _ = try HTTPSURL(candidate, strictness: strictness)
            return nil
        } catch {
            return error.description
        }
    }
}


extension SEP1Rules {
    /// `localhost`, a name under it, or a loopback address, with or without a port.
    static func isLocalHost(authority: Substring) -> Bool {
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close]
        } else {
            host = authority.split(separator: ":", omittingEmptySubsequences: false).first ?? ""
        }
        let lower = host.lowercased()
        return lower == "localhost" || lower.hasSuffix(".localhost") || lower == "127.0.0.1" || lower == "[::1]"
    }
}

/// One problem with a stellar.toml: the key (`CURRENCIES[0].issuer`, empty for the whole file), the rule it breaks,
/// and what to change.
public struct StellarTomlProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        case error, warning
    }

    public var key: String
    public var rule: String
    public var severity: Severity
    public var message: String

    public init(key: String, rule: String, severity: Severity = .error, message: String) {
        self.key = key
        self.rule = rule
        self.severity = severity
        self.message = message
    }

    public var description: String {
        (key.isEmpty ? "" : "\(key): ") + "\(message) [\(rule)]"
    }
}
