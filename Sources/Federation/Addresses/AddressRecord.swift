/// One entry of the address book: a Stellar address and where payments to it go.
public struct AddressRecord: Hashable, Sendable, CustomStringConvertible {
    public var address: StellarAddress
    public var accountID: AccountID
    public var memo: Memo?

    public init(address: StellarAddress, accountID: AccountID, memo: Memo? = nil) {
        self.address = address
        self.accountID = accountID
        self.memo = memo
    }

    /// Validates a record given as text, the way the CLI and the import files give it, reporting every field that
    /// is wrong at once.
    public init(address: String, accountID: String, memoType: String? = nil, memo: String? = nil) throws(RecordError) {
        var problems: [RecordError.Problem] = []
        var parsedAddress: StellarAddress?
        var parsedAccount: AccountID?
        var parsedMemo: Memo?
        do {
            parsedAddress = try StellarAddress(address)
        } catch {
            problems.append(.init(field: "address", message: "\"\(address)\": \(error)"))
        }
        do {
            parsedAccount = try AccountID(accountID)
        } catch {
            problems.append(.init(field: "account_id", message: Self.accountProblem(accountID, error)))
        }
        do {
            parsedMemo = try Memo.from(type: memoType, value: memo)
        } catch {
            problems.append(.init(field: "memo", message: error.description))
        }
        guard problems.isEmpty, let parsedAddress, let parsedAccount else { throw RecordError(problems: problems) }
        self.init(address: parsedAddress, accountID: parsedAccount, memo: parsedMemo)
    }

    public var description: String {
        memo.map { "\(address) -> \(accountID) memo \($0)" } ?? "\(address) -> \(accountID)"
    }

    /// A muxed account is a G account plus an id, which SEP-2 expresses as a memo; say exactly what to store.
    private static func accountProblem(_ text: String, _ error: StrKeyError) -> String {
        if case .wrongKind(found: .muxedAccount, _) = error, let muxed = try? MuxedAccount(text) {
            return "\"\(text)\" is a muxed account; store account_id \(muxed.accountID) with memo_type id and memo \(muxed.id)"
        }
        let shown = text.count > 60 ? "\(text.prefix(60))…" : text
        return "\"\(shown)\" is not a Stellar account ID: \(error)"
    }
}

/// Every problem found in one record given as text.
public struct RecordError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Problem: Hashable, Sendable {
        /// `address`, `account_id` or `memo`.
        public var field: String
        public var message: String
    }

    public var problems: [Problem]

    public var description: String {
        problems.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
    }
}
