import Federation
import Foundation

/// An address book: the records behind federation, kept in SQLite or PostgreSQL.
///
/// Every write is one transaction and raises ``version()``, a counter a running server polls (cheaply, one
/// row) to notice changes made by another process, such as `fedns federation add`, within its poll interval;
/// ``AddressBookMirror`` does exactly that. Names match ignoring case (``UserName/key``, computed in Swift and
/// stored), so both databases match identically whatever their collation.
public protocol AddressBookStore: AddressDirectory {
    /// Where the store lives, without any password: safe for logs and messages.
    var location: String { get }

    /// The record for an address, matching the name ignoring case.
    func lookup(_ address: StellarAddress) async throws(AddressBookError) -> StoredAddress?
    /// The preferred record paying `account` (earliest added; then smallest domain and name key), optionally
    /// within one domain.
    func reverseLookup(_ account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> StoredAddress?
    /// Every record, or those of one domain, sorted by domain and then name key.
    func list(domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress]
    /// Adds a new address; fails with ``AddressBookError/alreadyExists(_:)`` if the name is taken (in any case).
    @discardableResult
    func add(_ record: AddressRecord) async throws(AddressBookError) -> StoredAddress
    /// Adds the address, or replaces the account, memo and spelling of the name of an existing one.
    @discardableResult
    func upsert(_ record: AddressRecord) async throws(AddressBookError) -> UpsertOutcome
    /// Removes an address (matched ignoring case); false when there was none.
    @discardableResult
    func remove(_ address: StellarAddress) async throws(AddressBookError) -> Bool
    /// Writes all records in one transaction, or none (a duplicate in `records` or any failure writes nothing).
    @discardableResult
    func importRecords(_ records: [AddressRecord], mode: ImportMode) async throws(AddressBookError) -> ImportSummary
    /// The addresses paying `account`, in one domain or all, in listing order.
    func addresses(of account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress]
    /// Self-service: claims `record.address` for `record.accountID` in one transaction that also checks who holds
    /// the name and how many addresses the account has in the domain (``ClaimLimits``), so that concurrent claims,
    /// from any replica, cannot both pass.
    func claim(_ record: AddressRecord, limits: ClaimLimits) async throws(AddressBookError) -> ClaimResult
    /// Self-service: removes `address` if `account` holds it, in one transaction.
    func release(_ address: StellarAddress, by account: AccountID) async throws(AddressBookError) -> ReleaseResult
    /// Records a SEP-10 challenge nonce as used until `expiresAt`; false when it was used before (a replay).
    /// Nonces whose challenge has expired by `now` are forgotten on the way.
    func consumeNonce(_ nonce: String, expiresAt: Date, now: Date) async throws(AddressBookError) -> Bool
    /// The change counter: raised by every write that changed something.
    func version() async throws(AddressBookError) -> Int64
    /// Starts noticing writes by any process, calling `onWrite` soon after each (it may also be called for a write
    /// that changed nothing); nil when this store cannot be watched, and then polling ``version()`` alone notices
    /// changes.
    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)?
    /// Closes the connection; the store cannot be used afterwards.
    func close() async
}

extension AddressBookStore {
    /// No watch: polling alone notices changes.
    public func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)? { nil }
}

/// A running watch of ``AddressBookStore/watchWrites(_:)``.
public protocol StoreWriteWatch: Sendable {
    /// Ends the watch; `onWrite` is not called after it returns plus a moment.
    func stop()
}

/// A record as stored, with when and in which order it was added.
public struct StoredAddress: Hashable, Sendable {
    public var record: AddressRecord
    /// The store's version when the record was first added: the reverse-lookup preference (lowest first).
    public var addedAt: Int64
    public var created: Date
    public var updated: Date

    public init(record: AddressRecord, addedAt: Int64, created: Date, updated: Date) {
        self.record = record
        self.addedAt = addedAt
        self.created = created
        self.updated = updated
    }

    /// Reverse-lookup preference: earliest added, then domain, then name key. One rule for every store and for the
    /// in-memory index, so answers never depend on where the records live.
    public static func preferredFirst(_ lhs: StoredAddress, _ rhs: StoredAddress) -> Bool {
        lhs.addedAt != rhs.addedAt ? lhs.addedAt < rhs.addedAt : lhs.record.address.key < rhs.record.address.key
    }

    /// Listing order: domain, then name key.
    public static func listedFirst(_ lhs: StoredAddress, _ rhs: StoredAddress) -> Bool {
        lhs.record.address.key < rhs.record.address.key
    }
}

/// How many addresses an account may hold in a domain, and what a claim beyond that does.
public struct ClaimLimits: Hashable, Sendable {
    public var maxPerAccount: Int
    /// Beyond the limit: true removes the account's earliest addresses to make room, false refuses the claim.
    public var replaceEarlier: Bool

    public init(maxPerAccount: Int, replaceEarlier: Bool) {
        self.maxPerAccount = maxPerAccount
        self.replaceEarlier = replaceEarlier
    }
}

public enum ClaimResult: Hashable, Sendable {
    /// The address is new; `replaced` are the account's earlier addresses it took the place of.
    case added(replaced: [AddressRecord])
    /// The account held it already; its memo (or spelling) changed.
    case updated
    /// The account held it already, exactly so.
    case unchanged
    /// Another account holds the name.
    case heldByAnother
    /// The account holds as many addresses in the domain as it may (these).
    case limitReached(held: [AddressRecord])
}

public enum ReleaseResult: Hashable, Sendable {
    case released(AddressRecord)
    case notFound
    case heldByAnother
}

public enum UpsertOutcome: Hashable, Sendable {
    case added, updated, unchanged
}

public enum ImportMode: Hashable, Sendable {
    /// Add new addresses and update existing ones; leave the others.
    case merge
    /// Make the address book exactly the imported records: others are removed.
    case replaceAll
}

public struct ImportSummary: Hashable, Sendable, CustomStringConvertible {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var removed = 0

    public init(added: Int = 0, updated: Int = 0, unchanged: Int = 0, removed: Int = 0) {
        self.added = added
        self.updated = updated
        self.unchanged = unchanged
        self.removed = removed
    }

    public var description: String {
        "\(added) added, \(updated) updated, \(unchanged) unchanged, \(removed) removed"
    }
}
