/// What the federation endpoint serves besides the address book itself.
public struct FederationSettings: Hashable, Sendable {
    /// Domains served even while they have no addresses (an unknown name there is `noSuchUser`, not
    /// `noSuchDomain`). A domain that has addresses in the directory is always served.
    public var domains: Set<FederationDomain>
    /// `type=forward` rules, tried in order.
    public var forwardRules: [ForwardRule]

    public init(domains: Set<FederationDomain> = [], forwardRules: [ForwardRule] = []) {
        self.domains = domains
        self.forwardRules = forwardRules
    }
}

/// The federation endpoint without HTTP: a method and the query's parameters in, a complete ``FederationResponse``
/// out, read at once from an address book in memory (``ImmediateAddressDirectory``), so an event loop can call it.
///
/// One endpoint answers both protocols; the `type` parameter tells them apart:
/// - `type=name`, `id`, `txid`, `forward` (or any other value, or none): SEP-2, compact JSON, errors as
///   `{"error": "…"}`.
/// - `type=federation` and `type=reverse_federation`: the 2014 protocol, PHP-style pretty JSON, errors as
///   `{"error": code, "error_message": …, "result": "error", "request": {…}}`.
/// - No `type` but 2014 parameters (`user`, `destination`, `destination_address`, or `domain` without `q`): a 2014
///   client that forgot the type, answered `invalidParams` in its own shape ("No type given").
///
/// Statuses: 200 found; 400 malformed (bad encoding, repeated or missing parameters, an invalid address or
/// account); 404 unknown name, account or domain; 405 a method other than GET or HEAD (with `Allow`); 414 a query
/// longer than ``QueryParameters/maximumLength``; 501 `txid`, an unsupported `forward_type`, or a 2014 request for
/// an address whose memo that protocol cannot carry; 503 when the directory cannot be read (clients such as
/// stellar-sdk retry 503). HEAD gets the same response; the transport drops the body. A query that cannot be read
/// at all never gets here: its ``QueryError/response`` is the answer.
///
/// Names: a name that arrives as a space followed by digits is read as `+` and those digits, the phone number a
/// client sent with an unencoded `+` (a space is never valid in a name, so nothing else can be meant).
public struct FederationQueryAnswerer: Sendable {
    public let settings: FederationSettings

    public init(settings: FederationSettings = FederationSettings()) {
        self.settings = settings
    }

    /// The response to a federation request, looked up in `directory` without suspending.
    public func answer(method: String, parameters: QueryParameters, directory: some ImmediateAddressDirectory) -> FederationResponse {
        let allowed = method == "GET" || method == "HEAD"
        if Self.isLegacy(parameters) {
            let exchange = LegacyExchange(settings: settings, directory: directory, parameters: parameters)
            return allowed ? exchange.respond() : exchange.methodNotAllowed()
        }
        let exchange = SEP2Exchange(settings: settings, directory: directory, parameters: parameters)
        return allowed ? exchange.respond() : exchange.methodNotAllowed()
    }

    static func isLegacy(_ parameters: QueryParameters) -> Bool {
        switch parameters["type"] {
        case "federation", "reverse_federation": return true
        case "name", "id", "txid", "forward": return false
        default:
            // No type, or one neither protocol knows: answer in the shape of the parameters the client used.
            return parameters.contains("user") || parameters.contains("destination")
                || parameters.contains("destination_address") || (parameters.contains("domain") && !parameters.contains("q"))
        }
    }

    /// `Allow` for 405 replies.
    static let allowHeader = HeaderField("Allow", "GET, HEAD")
}

/// Reads a name that form decoding turned from `+digits` into ` digits` back into the phone number it was.
enum PlusSign {
    static func restored(_ name: String) -> String {
        guard name.first == " " else { return name }
        let rest = name.dropFirst()
        let digits = rest.prefix { $0 != "*" }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return name }
        return "+" + rest
    }
}

/// Whether a domain is served: configured, or has addresses in the directory.
extension FederationSettings {
    func serves(_ domain: FederationDomain, in directory: some ImmediateAddressDirectory) throws -> Bool {
        if domains.contains(domain) { return true }
        return try directory.hasAddresses(in: domain)
    }
}
