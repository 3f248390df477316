/// The lookups an address book answers, and may have to wait for (a database). The stores in `AddressBook` answer
/// them; the federation core reads a directory in memory instead (``ImmediateAddressDirectory``): the server
/// answers from the store's mirror, never from the database on a request's way.
public protocol AddressDirectory: Sendable {
    /// The record for a name in a domain, the name matched ignoring case (``UserName/key``).
    func record(named name: UserName, in domain: FederationDomain) async throws -> AddressRecord?
    /// The preferred record that pays `account`, optionally only within `domain`. When several addresses share an
    /// account the answer is deterministic: the earliest added, then the smallest domain and name key.
    func reverseRecord(for account: AccountID, in domain: FederationDomain?) async throws -> AddressRecord?
    /// True when the domain has addresses here (a domain with none is "not served", 404 `noSuchDomain`).
    func hasAddresses(in domain: FederationDomain) async throws -> Bool
}

/// A directory that answers at once, without suspending: memory, not a database. The federation core
/// (``FederationQueryAnswerer``) is written against this, so an event loop can answer a lookup on its own thread.
/// Its errors become 503 replies.
public protocol ImmediateAddressDirectory: Sendable {
    func record(named name: UserName, in domain: FederationDomain) throws -> AddressRecord?
    func reverseRecord(for account: AccountID, in domain: FederationDomain?) throws -> AddressRecord?
    func hasAddresses(in domain: FederationDomain) throws -> Bool
}

/// An immutable in-memory directory, built once from a list of records and then read without locks or I/O.
public struct AddressIndex: AddressDirectory, ImmediateAddressDirectory, Hashable {
    private var byKey: [AddressKey: AddressRecord] = [:]
    private var byAccount: [AccountID: [AddressRecord]] = [:]
    private var domains: Set<FederationDomain> = []

    /// `records` must be in reverse-lookup preference order (earliest added first); of two records with the same
    /// key the first wins.
    public init(records: [AddressRecord]) {
        for record in records where byKey[record.address.key] == nil {
            byKey[record.address.key] = record
            byAccount[record.accountID, default: []].append(record)
            domains.insert(record.address.domain)
        }
    }

    public static let empty = AddressIndex(records: [])

    public var count: Int { byKey.count }

    public func record(named name: UserName, in domain: FederationDomain) -> AddressRecord? {
        byKey[AddressKey(domain: domain, nameKey: name.key)]
    }

    public func reverseRecord(for account: AccountID, in domain: FederationDomain?) -> AddressRecord? {
        byAccount[account]?.first { domain == nil || $0.address.domain == domain }
    }

    public func hasAddresses(in domain: FederationDomain) -> Bool { domains.contains(domain) }
}
