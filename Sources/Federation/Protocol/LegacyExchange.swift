/// One request of the 2014 protocol: `type=federation` (by `user` or `destination`, and `domain`) or
/// `type=reverse_federation` (by `destination_address` and `domain`).
///
/// The replies follow the 2014 PHP server byte for byte where it defined them: PHP pretty-printed JSON, the error
/// table (`invalidParams` 400, `noSuchDomain` and `noSuchUser` 404, 405 for other methods), and `request` echoing
/// every query parameter. Requested values are echoed verbatim, because 2014 clients compare `user`/`destination`
/// and `domain` with what they sent, case-sensitively; the lookup itself ignores case like SEP-2.
///
/// Beyond PHP: both `user` and `destination` are accepted (2014 clients sent either or both; if both, they must
/// agree) and both are echoed; an id memo that fits 32 bits is sent as `dt` (a string, as the spec wrote it) and
/// `destination_tag` (a number, what the reference wallet read); an address with any other memo is refused with
/// `noSupported` (501) rather than answered without its memo, which would lose the payment; a directory failure is
/// `unavailable` (503).
struct LegacyExchange<Directory: ImmediateAddressDirectory> {
    let settings: FederationSettings
    let directory: Directory
    let parameters: QueryParameters

    func methodNotAllowed() -> FederationResponse {
        errorResponse(
            LegacyFailure(status: 405, code: "405 - Method Not Allowed", message: "HTTP method must be GET"),
            extraHeaders: [FederationQueryAnswerer.allowHeader])
    }

    func respond() -> FederationResponse {
        do {
            return try answer()
        } catch let failure as LegacyFailure {
            return errorResponse(failure)
        } catch {
            return errorResponse(.unavailable)
        }
    }

    private func answer() throws -> FederationResponse {
        let values: [String: String]
        do {
            values = try parameters.uniqueValues()
        } catch {
            throw LegacyFailure.invalidParams(error.description)
        }
        let nonEmpty = { (name: String) in values[name].flatMap { $0.isEmpty ? nil : $0 } }
        switch nonEmpty("type") {
        case nil: throw LegacyFailure.invalidParams("No type given")
        case "federation": return try federation(nonEmpty)
        case "reverse_federation": return try reverseFederation(nonEmpty)
        case let other?: throw LegacyFailure.invalidParams("Unknown type: \(other.prefix(40))")
        }
    }

    private func federation(_ value: (String) -> String?) throws -> FederationResponse {
        let user = value("user").map(PlusSign.restored)
        let destination = value("destination").map(PlusSign.restored)
        guard let nameText = user ?? destination else { throw LegacyFailure.invalidParams("No user given") }
        if let user, let destination, user != destination {
            throw LegacyFailure.invalidParams("user and destination name different users; send the same name in both")
        }
        let (record, domainText) = try lookUp(
            nameText, as: "user", parse: UserName.init, domain: value("domain"), find: directory.record(named:in:))
        var tag: [(String, JSONValue)] = []
        switch record.memo {
        case nil: break
        case .id(let id) where id <= UInt64(UInt32.max):
            tag = [("dt", .string(String(id))), ("destination_tag", .number(id))]
        case let memo?:
            throw LegacyFailure(
                status: 501, code: "noSupported",
                message: "This address needs a \(memo.type.rawValue) memo, which this protocol cannot carry; "
                    + "resolve it with SEP-2 (type=name&q=NAME*DOMAIN)")
        }
        return success(
            domain: domainText, user: user ?? nameText, destination: destination ?? nameText,
            destinationAddress: record.accountID.description, extra: tag)
    }

    private func reverseFederation(_ value: (String) -> String?) throws -> FederationResponse {
        guard let accountText = value("destination_address") else {
            throw LegacyFailure.invalidParams("No destination_address given")
        }
        let (record, domainText) = try lookUp(
            accountText, as: "destination_address", parse: AccountID.init, domain: value("domain"),
            find: directory.reverseRecord(for:in:))
        return success(
            domain: domainText, user: record.address.name.text, destination: record.address.name.text,
            destinationAddress: accountText, extra: [])
    }

    /// What both lookups do once they have the text of what they look up (a user name, an account): the domain is
    /// required, the key must parse (`Invalid PARAMETER: …`), the domain must be served, and a record must exist.
    /// Returns the record and the domain exactly as requested, to echo.
    private func lookUp<Key>(
        _ keyText: String, as parameter: String, parse: (String) throws -> Key, domain domainText: String?,
        find: (Key, FederationDomain) throws -> AddressRecord?
    ) throws -> (record: AddressRecord, domain: String) {
        guard let domainText else { throw LegacyFailure.invalidParams("No domain given") }
        let key: Key
        do {
            key = try parse(keyText)
        } catch {
            throw LegacyFailure.invalidParams("Invalid \(parameter): \(error)")
        }
        let domain = try servedDomain(domainText)
        guard let record = try find(key, domain) else { throw LegacyFailure.noSuchUser }
        return (record, domainText)
    }

    private func servedDomain(_ text: String) throws -> FederationDomain {
        let domain: FederationDomain
        do {
            domain = try FederationDomain(text)
        } catch {
            throw LegacyFailure.invalidParams("Invalid domain: \(error)")
        }
        guard try settings.serves(domain, in: directory) else { throw LegacyFailure.noSuchDomain }
        return domain
    }

    private func success(
        domain: String, user: String, destination: String, destinationAddress: String, extra: [(String, JSONValue)]
    ) -> FederationResponse {
        let record: [(String, JSONValue)] = [
            ("type", .string("federation_record")),
            ("domain", .string(domain)),
            ("user", .string(user)),
            ("destination", .string(destination)),
            ("destination_address", .string(destinationAddress)),
        ]
        let body = JSONValue.object([("result", .string("success")), ("federation_json", .object(record + extra))])
        return FederationResponse(status: 200, json: body, style: .phpPretty)
    }

    private func errorResponse(_ failure: LegacyFailure, extraHeaders: [HeaderField] = []) -> FederationResponse {
        let request = parameters.firstOccurrences.map { ($0.name, JSONValue.string($0.value)) }
        let body = JSONValue.object([
            ("error", .string(failure.code)),
            ("error_message", .string(failure.message)),
            ("result", .string("error")),
            ("request", .object(request)),
        ])
        return FederationResponse(status: failure.status, json: body, style: .phpPretty, extraHeaders: extraHeaders)
    }
}

/// A 2014-protocol error reply: status, `error` code and `error_message`.
struct LegacyFailure: Error {
    var status: Int
    var code: String
    var message: String

    static func invalidParams(_ message: String) -> LegacyFailure {
        LegacyFailure(status: 400, code: "invalidParams", message: message)
    }

    static let noSuchDomain = LegacyFailure(
        status: 404, code: "noSuchDomain", message: "The supplied domain is not served here.")
    static let noSuchUser = LegacyFailure(status: 404, code: "noSuchUser", message: "The supplied user was not found.")
    static let unavailable = LegacyFailure(status: 503, code: "unavailable", message: "Service is temporarily unavailable")
}
