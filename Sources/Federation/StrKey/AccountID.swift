/// A Stellar account ID: an ed25519 public key written as a `G…` StrKey (56 characters).
///
/// This is the only kind of key an address record may point to. Muxed accounts (`M…`) decode with
/// ``MuxedAccount``; a record that wants one stores the `G…` account with memo type `id` instead, which every
/// client understands.
public struct AccountID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 32-byte ed25519 public key.
    public let publicKey: [UInt8]
    /// The `G…` text, computed once.
    public let description: String

    public init(_ text: some StringProtocol) throws(StrKeyError) {
        let key = try StrKey(text)
        guard key.kind == .accountID else { throw .wrongKind(found: key.kind, expected: .accountID) }
        self.publicKey = key.payload
        self.description = key.description
    }

    public init(publicKey: [UInt8]) throws(StrKeyError) {
        let key = try StrKey(kind: .accountID, payload: publicKey)
        self.publicKey = key.payload
        self.description = key.description
    }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.description < rhs.description }
}

/// A muxed account (`M…`, CAP-27): an account ID plus a 64-bit id that names one user of a shared account.
public struct MuxedAccount: Hashable, Sendable, CustomStringConvertible {
    public let accountID: AccountID
    public let id: UInt64

    public init(accountID: AccountID, id: UInt64) {
        self.accountID = accountID
        self.id = id
    }

    public init(_ text: some StringProtocol) throws(StrKeyError) {
        let key = try StrKey(text)
        guard key.kind == .muxedAccount else { throw .wrongKind(found: key.kind, expected: .muxedAccount) }
        self.accountID = try AccountID(publicKey: Array(key.payload.prefix(32)))
        self.id = key.payload.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var description: String {
        var payload = accountID.publicKey
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: id >> UInt64(shift))) }
        return StrKey.encode(kind: .muxedAccount, payload: payload)
    }
}
