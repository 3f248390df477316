/// One SEP-2 request: `type=name|id|txid|forward`.
struct SEP2Exchange<Directory: ImmediateAddressDirectory> {
    let settings: FederationSettings
    let directory: Directory
    let parameters: QueryParameters

    func methodNotAllowed() -> FederationResponse {
        .sep2Error(405, "federation requests use GET (or HEAD)", extraHeaders: [FederationQueryAnswerer.allowHeader])
    }

    func respond() -> FederationResponse {
        do {
            return try answer()
        } catch let failure as SEP2Failure {
            return .sep2Error(failure.status, failure.message)
        } catch {
            return .directoryUnavailable
        }
    }

    private func answer() throws -> FederationResponse {
        let values: [String: String]
        do {
            values = try parameters.uniqueValues()
        } catch {
            throw SEP2Failure(error.status, error.description)
        }
        switch values["type"] {
        case nil, "":
            throw SEP2Failure(400, "missing type: send type=name&q=NAME*DOMAIN, or type=id&q=ACCOUNT_ID")
        case "name":
            return try name(required("q", in: values, example: "q=bob*example.org"))
        case "id":
            return try id(required("q", in: values, example: "q=GABC… (a 56-character account ID)"))
        case "txid":
            throw SEP2Failure(
                501, "type=txid is not supported: this server keeps no transactions; look the sender up with type=id")
        case "forward":
            return try forward(values)
        case let other?:
            throw SEP2Failure(400, "type \"\(other.prefix(40))\" is not a federation request type; use name, id, txid or forward")
        }
    }

    private func required(_ name: String, in values: [String: String], example: String) throws(SEP2Failure) -> String {
        guard let value = values[name], !value.isEmpty else { throw SEP2Failure(400, "missing \(name): send \(example)") }
        return value
    }

    private func name(_ query: String) throws -> FederationResponse {
        let address: StellarAddress
        do {
            address = try StellarAddress(PlusSign.restored(query))
        } catch {
            throw SEP2Failure(400, "q is not a Stellar address: \(error)")
        }
        return try reply(for: address)
    }

    private func reply(for address: StellarAddress) throws -> FederationResponse {
        guard try settings.serves(address.domain, in: directory) else {
            throw SEP2Failure(404, "the domain \(address.domain) is not served by this federation server")
        }
        guard let record = try directory.record(named: address.name, in: address.domain) else {
            throw SEP2Failure(404, "\(address) is not a known Stellar address")
        }
        return .sep2Record(record)
    }

    private func id(_ query: String) throws -> FederationResponse {
        let account: AccountID
        do {
            account = try AccountID(query)
        } catch .wrongKind(found: .muxedAccount, _) {
            throw SEP2Failure(404, "addresses are registered for G… accounts only, not for muxed (M…) accounts")
        } catch {
            throw SEP2Failure(400, "q is not a Stellar account ID: \(error)")
        }
        guard let record = try directory.reverseRecord(for: account, in: nil) else {
            throw SEP2Failure(404, "no Stellar address is registered for \(account)")
        }
        return .sep2Record(record)
    }

    private func forward(_ values: [String: String]) throws -> FederationResponse {
        let type = try required("forward_type", in: values, example: "forward_type=bank_account with its parameters")
        let candidates = settings.forwardRules.filter { $0.forwardType == type }
        guard !candidates.isEmpty else {
            let supported = Set(settings.forwardRules.map(\.forwardType)).sorted()
            let list = supported.isEmpty ? "none is configured" : "supported: \(supported.joined(separator: ", "))"
            throw SEP2Failure(501, "forward_type \"\(type.prefix(40))\" is not supported here (\(list))")
        }
        let present = { (name: String) in values[name].map { !$0.isEmpty } ?? false }
        guard let rule = candidates.first(where: { $0.requiredParameters.allSatisfy(present) }) else {
            let needs = candidates.map { $0.requiredParameters.filter { !present($0) }.joined(separator: ", ") }
            throw SEP2Failure(400, "forward_type=\(type) is missing parameters: \(needs.joined(separator: " or "))")
        }
        let addressText = rule.addressTemplate.fill(with: values)
        let address: StellarAddress
        do {
            address = try StellarAddress(addressText)
        } catch {
            throw SEP2Failure(400, "the forward parameters make \"\(addressText.prefix(300))\", not a Stellar address: \(error)")
        }
        switch rule.destination {
        case .address:
            return try reply(for: address)
        case .account(let account, let memoType, _, _):
            var memo: Memo?
            if let memoType, let memoTemplate = rule.memoTemplate {
                do {
                    memo = try Memo(type: memoType, value: memoTemplate.fill(with: values))
                } catch {
                    throw SEP2Failure(400, "the forward parameters do not make a valid memo: \(error)")
                }
            }
            return .sep2Record(AddressRecord(address: address, accountID: account, memo: memo))
        }
    }
}

extension FederationResponse {
    /// `{"error": message}` with the given status: SEP-2's error shape, also what the HTTP layer sends for
    /// requests that never reach the responder (an unknown host or path, a method other than GET or HEAD).
    public static func sep2Error(_ status: Int, _ message: String, extraHeaders: [HeaderField] = []) -> FederationResponse {
        FederationResponse(status: status, json: .object([("error", .string(message))]), style: .compact, extraHeaders: extraHeaders)
    }

    /// 503 when the directory cannot be read: clients such as stellar-sdk retry it.
    static let directoryUnavailable = sep2Error(503, "the address book cannot be read right now; try again shortly")

    /// 200 with `stellar_address`, `account_id`, and `memo_type` and `memo` (always a string) when the record has a memo.
    static func sep2Record(_ record: AddressRecord) -> FederationResponse {
        FederationResponse(status: 200, json: .object(sep2RecordMembers(record)), style: .compact)
    }

    /// A record as SEP-2 writes it, for the replies that carry records.
    static func sep2RecordMembers(_ record: AddressRecord) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("stellar_address", .string(record.address.description)),
            ("account_id", .string(record.accountID.description)),
        ]
        if let memo = record.memo {
            members.append(("memo_type", .string(memo.type.rawValue)))
            members.append(("memo", .string(memo.value)))
        }
        return members
    }
}

/// A reply other than 200, with the text for `{"error": …}`.
struct SEP2Failure: Error {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}
