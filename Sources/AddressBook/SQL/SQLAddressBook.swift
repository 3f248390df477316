import Federation
import Foundation
import Logging

/// The address book on any ``SQLBackend``: every operation is written once, here, for SQLite and PostgreSQL
/// alike; the backends only connect and run statements.
final class SQLAddressBook<Backend: SQLBackend>: AddressBookStore {
    private let session: SQLSession<Backend>
    private let logger: Logger

    var location: String { session.backend.location }

    private init(backend: Backend, logger: Logger) {
        self.session = SQLSession(backend: backend)
        self.logger = logger
    }

    /// Connects and brings the schema up to date.
    static func open(_ backend: Backend, logger: Logger) async throws(AddressBookError) -> SQLAddressBook {
        let book = SQLAddressBook(backend: backend, logger: logger)
        let applied: [Int]
        do {
            applied = try await book.perform("migrating the schema") {
                try await Schema.migrate(book.session, nowMilliseconds: Self.now())
            }
        } catch {
            await book.close()
            throw error
        }
        if !applied.isEmpty {
            logger.info(
                "address book schema migrated",
                metadata: ["store": "\(backend.location)", "versions": "\(applied.map(String.init).joined(separator: ","))"])
        }
        return book
    }

    func close() async { await session.close() }

    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)? {
        session.backend.watchWrites(onWrite)
    }

    // MARK: Reading

    func version() async throws(AddressBookError) -> Int64 {
        try await perform("reading the version") {
            try await session.withConnection { try await self.currentVersion($0) }
        }
    }

    func lookup(_ address: StellarAddress) async throws(AddressBookError) -> StoredAddress? {
        try await perform("looking up \(address)") {
            try await session.withConnection { try await self.select($0, address.key) }
        }
    }

    func reverseLookup(_ account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> StoredAddress? {
        try await perform("looking up account \(account)") {
            try await session.withConnection { try await self.held(by: account, in: domain, $0).min(by: StoredAddress.preferredFirst) }
        }
    }

    func list(domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress] {
        try await perform("listing addresses") {
            try await session.withConnection { connection in
                let all = try await self.rows(
                    connection, "SELECT \(Self.columns) FROM addresses" + (domain == nil ? "" : " WHERE domain = $1"),
                    domain.map { [.text($0.description)] } ?? [])
                return all.sorted(by: StoredAddress.listedFirst)
            }
        }
    }

    // MARK: AddressDirectory

    func record(named name: UserName, in domain: FederationDomain) async throws -> AddressRecord? {
        try await lookup(StellarAddress(name: name, domain: domain))?.record
    }

    func reverseRecord(for account: AccountID, in domain: FederationDomain?) async throws -> AddressRecord? {
        try await reverseLookup(account, in: domain)?.record
    }

    func hasAddresses(in domain: FederationDomain) async throws -> Bool {
        try await perform("checking domain \(domain)") {
            try await session.withConnection { connection in
                try await !self.query(connection, "SELECT 1 FROM addresses WHERE domain = $1 LIMIT 1", [.text(domain.description)])
                    .isEmpty
            }
        }
    }

    // MARK: Writing

    func add(_ record: AddressRecord) async throws(AddressBookError) -> StoredAddress {
        try await perform("adding \(record.address)") {
            try await session.withTransaction { connection in
                if let existing = try await self.select(connection, record.address.key) {
                    throw AddressBookError.alreadyExists(existing.record)
                }
                var change = Change(book: self, connection: connection)
                _ = try await change.write(record, over: nil)
                guard let stored = try await self.select(connection, record.address.key) else {
                    throw AddressBookError.operationFailed(
                        location: self.location, operation: "adding \(record.address)", reason: "the new row cannot be read back")
                }
                return stored
            }
        }
    }

    func upsert(_ record: AddressRecord) async throws(AddressBookError) -> UpsertOutcome {
        try await perform("saving \(record.address)") {
            try await session.withTransaction { connection in
                var change = Change(book: self, connection: connection)
                return try await change.write(record, over: try await self.select(connection, record.address.key))
            }
        }
    }

    func remove(_ address: StellarAddress) async throws(AddressBookError) -> Bool {
        try await perform("removing \(address)") {
            try await session.withTransaction { connection in
                guard try await self.select(connection, address.key) != nil else { return false }
                var change = Change(book: self, connection: connection)
                try await change.delete(address.key)
                return true
            }
        }
    }

    func importRecords(_ records: [AddressRecord], mode: ImportMode) async throws(AddressBookError) -> ImportSummary {
        var seen: Set<AddressKey> = []
        for record in records where !seen.insert(record.address.key).inserted {
            throw .duplicateInImport(record.address)
        }
        return try await perform("importing \(records.count) addresses") {
            try await session.withTransaction { connection in
                var existing: [AddressKey: StoredAddress] = [:]
                for stored in try await self.rows(connection, "SELECT \(Self.columns) FROM addresses", []) {
                    existing[stored.record.address.key] = stored
                }
                var change = Change(book: self, connection: connection)
                var summary = ImportSummary()
                for record in records {
                    switch try await change.write(record, over: existing[record.address.key]) {
                    case .added: summary.added += 1
                    case .updated: summary.updated += 1
                    case .unchanged: summary.unchanged += 1
                    }
                }
                if mode == .replaceAll {
                    for key in Set(existing.keys).subtracting(seen).sorted() {
                        try await change.delete(key)
                        summary.removed += 1
                    }
                }
                return summary
            }
        }
    }

    // MARK: Self-service

    func addresses(of account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress] {
        try await perform("listing the addresses of \(account)") {
            try await session.withConnection { try await self.held(by: account, in: domain, $0) }
        }
    }

    func claim(_ record: AddressRecord, limits: ClaimLimits) async throws(AddressBookError) -> ClaimResult {
        try await perform("claiming \(record.address)") {
            try await session.withTransaction { connection in
                try await self.lockWriters(connection)
                let existing = try await self.select(connection, record.address.key)
                var change = Change(book: self, connection: connection)
                if let existing {
                    guard existing.record.accountID == record.accountID else { return .heldByAnother }
                    return try await change.write(record, over: existing) == .unchanged ? .unchanged : .updated
                }
                let held = try await self.held(by: record.accountID, in: record.address.domain, connection)
                    .sorted(by: StoredAddress.preferredFirst)
                let excess = held.count - limits.maxPerAccount + 1
                var replaced: [AddressRecord] = []
                if excess > 0 {
                    guard limits.replaceEarlier else { return .limitReached(held: held.map(\.record)) }
                    for earlier in held.prefix(excess) {
                        try await change.delete(earlier.record.address.key)
                        replaced.append(earlier.record)
                    }
                }
                _ = try await change.write(record, over: nil)
                return .added(replaced: replaced)
            }
        }
    }

    func release(_ address: StellarAddress, by account: AccountID) async throws(AddressBookError) -> ReleaseResult {
        try await perform("releasing \(address)") {
            try await session.withTransaction { connection in
                try await self.lockWriters(connection)
                guard let existing = try await self.select(connection, address.key) else { return .notFound }
                guard existing.record.accountID == account else { return .heldByAnother }
                var change = Change(book: self, connection: connection)
                try await change.delete(address.key)
                return .released(existing.record)
            }
        }
    }

    func consumeNonce(_ nonce: String, expiresAt: Date, now: Date) async throws(AddressBookError) -> Bool {
        try await perform("recording a sign-in") {
            try await session.withTransaction { connection in
                _ = try await self.query(connection, "DELETE FROM auth_nonces WHERE expires_at_ms < $1", [.integer(Self.milliseconds(now))])
                let inserted = try await self.query(
                    connection,
                    "INSERT INTO auth_nonces (nonce, expires_at_ms) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
                    [.text(nonce), .integer(Self.milliseconds(expiresAt))])
                return !inserted.isEmpty
            }
        }
    }

    /// Takes the change counter's row lock without changing it, so that self-service checks (who holds a name, how
    /// many an account has) and the write that follows them are one step for every other writer: PostgreSQL holds
    /// the row lock to the end of the transaction; SQLite's `BEGIN IMMEDIATE` already holds the database's.
    private func lockWriters(_ connection: Backend.Connection) async throws {
        _ = try await query(connection, "UPDATE address_book_state SET version = version WHERE id = 1", [])
    }

    private func held(by account: AccountID, in domain: FederationDomain?, _ connection: Backend.Connection) async throws
        -> [StoredAddress]
    {
        var sql = "SELECT \(Self.columns) FROM addresses WHERE account_id = $1"
        var binds: [SQLValue] = [.text(account.description)]
        if let domain {
            sql += " AND domain = $2"
            binds.append(.text(domain.description))
        }
        return try await rows(connection, sql, binds).sorted(by: StoredAddress.listedFirst)
    }

    /// The writes of one transaction. The version is raised once, at the first change, and new rows record it
    /// as their `added_at`.
    private struct Change {
        let book: SQLAddressBook
        let connection: Backend.Connection
        private var version: Int64?
        private let now = SQLAddressBook.now()

        init(book: SQLAddressBook, connection: Backend.Connection) {
            self.book = book
            self.connection = connection
        }

        mutating func write(_ record: AddressRecord, over existing: StoredAddress?) async throws -> UpsertOutcome {
            if existing?.record == record { return .unchanged }
            let version = try await raisedVersion()
            let fields = SQLAddressBook.recordValues(record)
            guard existing != nil else {
                _ = try await book.query(
                    connection,
                    "INSERT INTO addresses (\(SQLAddressBook.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    fields + [.integer(version), .integer(now), .integer(now)])
                return .added
            }
            _ = try await book.query(
                connection,
                """
                UPDATE addresses SET name = $3, account_id = $4, memo_type = $5, memo = $6, updated_at_ms = $7
                WHERE domain = $1 AND name_key = $2
                """, fields + [.integer(now)])
            return .updated
        }

        mutating func delete(_ key: AddressKey) async throws {
            _ = try await raisedVersion()
            _ = try await book.query(
                connection, "DELETE FROM addresses WHERE domain = $1 AND name_key = $2",
                [.text(key.domain.description), .text(key.nameKey)])
        }

        private mutating func raisedVersion() async throws -> Int64 {
            if let version { return version }
            _ = try await book.query(connection, "UPDATE address_book_state SET version = version + 1 WHERE id = 1", [])
            let raised = try await book.currentVersion(connection)
            try await book.notifyChange(connection, version: raised)
            version = raised
            return raised
        }
    }

    // MARK: Whole books (migration)

    /// Every record and the version they were read at, in one snapshot (a read-only transaction: writers are not
    /// held up).
    func contents() async throws(AddressBookError) -> BookContents {
        try await perform("reading every address") {
            try await session.withTransaction(readOnly: true) { connection in
                let version = try await self.currentVersion(connection)
                let records = try await self.rows(connection, "SELECT \(Self.columns) FROM addresses", [])
                return BookContents(version: version, records: records)
            }
        }
    }

    /// Writes records copied from another store as they are (added order and times included), in one
    /// transaction, after removing every record when `replacing`; returns the new version, at least `versionAtLeast`
    /// so that addresses added later sort after the copied ones. Fails, writing nothing, with
    /// ``AddressBookError/changedConcurrently(location:operation:)`` if the version is no longer `expectedVersion`
    /// (someone wrote since the migration read the book).
    func load(
        _ records: [StoredAddress], replacing: Bool, expectedVersion: Int64, versionAtLeast: Int64
    ) async throws(AddressBookError) -> Int64 {
        let operation = "copying \(records.count) addresses in"
        return try await perform(operation) {
            try await session.withTransaction { connection in
                // Raising the counter first takes the lock other writers wait on (PostgreSQL's row lock; SQLite's
                // write lock is held from BEGIN IMMEDIATE) and shows whether anyone wrote since the book was read.
                _ = try await self.query(connection, "UPDATE address_book_state SET version = version + 1 WHERE id = 1", [])
                let raised = try await self.currentVersion(connection)
                guard raised == expectedVersion + 1 else {
                    throw AddressBookError.changedConcurrently(location: self.location, operation: operation)
                }
                if replacing { _ = try await self.query(connection, "DELETE FROM addresses", []) }
                var start = records.startIndex
                while start < records.endIndex {
                    let batch = records[start..<min(start + Self.rowsPerInsert, records.endIndex)]
                    _ = try await self.query(
                        connection, Self.insertStatement(rows: batch.count), batch.flatMap(Self.columnValues))
                    start = batch.endIndex
                }
                let version = max(raised, versionAtLeast)
                _ = try await self.query(connection, "UPDATE address_book_state SET version = $1 WHERE id = 1", [.integer(version)])
                try await self.notifyChange(connection, version: version)
                return version
            }
        }
    }

    /// Rows per INSERT when copying: few round trips, and 4,500 placeholders stay far below either database's limit.
    static var rowsPerInsert: Int { 500 }

    /// `INSERT INTO addresses (…) VALUES ($1, …, $9), ($10, …)` for `rows` rows.
    static func insertStatement(rows: Int) -> String {
        let width = 9
        let tuples = (0..<rows).map { row in
            "(" + (1...width).map { "$\(row * width + $0)" }.joined(separator: ", ") + ")"
        }
        return "INSERT INTO addresses (\(columns)) VALUES " + tuples.joined(separator: ", ")
    }

    /// A stored record as the values of ``columns``, in order.
    private static func columnValues(_ stored: StoredAddress) -> [SQLValue] {
        recordValues(stored.record) + [
            .integer(stored.addedAt), .integer(RecordDigest.milliseconds(stored.created)),
            .integer(RecordDigest.milliseconds(stored.updated)),
        ]
    }

    /// A record as the values of the first six of ``columns`` (domain to memo).
    private static func recordValues(_ record: AddressRecord) -> [SQLValue] {
        [
            .text(record.address.domain.description), .text(record.address.name.key), .text(record.address.name.text),
            .text(record.accountID.description), record.memo.map { .text($0.type.rawValue) } ?? .null,
            record.memo.map { .text($0.value) } ?? .null,
        ]
    }

    // MARK: Statements and rows

    /// Tells other processes of a new version, in the writing transaction: the notification goes out with the
    /// commit, never for a rolled-back write.
    private func notifyChange(_ connection: Backend.Connection, version: Int64) async throws {
        guard let notify = session.backend.dialect.notifyChange else { return }
        _ = try await query(connection, notify, [.text(String(version))])
    }

    private static var columns: String { "domain, name_key, name, account_id, memo_type, memo, added_at, created_at_ms, updated_at_ms" }

    private static func now() -> Int64 { milliseconds(Date()) }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    private func query(_ connection: Backend.Connection, _ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        try await connection.query(session.backend.dialect.placeholders(sql), binds)
    }

    private func currentVersion(_ connection: Backend.Connection) async throws -> Int64 {
        let rows = try await query(connection, "SELECT version FROM address_book_state WHERE id = 1", [])
        guard let version = rows.first?.first?.integer else {
            throw AddressBookError.invalidStoredRecord(
                location: location, row: "address_book_state", reason: "the version row is missing")
        }
        return version
    }

    private func select(_ connection: Backend.Connection, _ key: AddressKey) async throws -> StoredAddress? {
        try await rows(
            connection, "SELECT \(Self.columns) FROM addresses WHERE domain = $1 AND name_key = $2",
            [.text(key.domain.description), .text(key.nameKey)]
        ).first
    }

    private func rows(_ connection: Backend.Connection, _ sql: String, _ binds: [SQLValue]) async throws -> [StoredAddress] {
        try await query(connection, sql, binds).map { row throws(AddressBookError) in try stored(from: row) }
    }

    /// A row back into a record, validated again: a row written by hand must not reach a reply unchecked.
    private func stored(from row: [SQLValue]) throws(AddressBookError) -> StoredAddress {
        let text = { (index: Int) in index < row.count ? row[index].text : nil }
        let number = { (index: Int) in index < row.count ? row[index].integer : nil }
        let shown = "domain \(text(0) ?? "?"), name \(text(2) ?? "?")"
        guard let domain = text(0), let name = text(2), let account = text(3), let addedAt = number(6),
            let created = number(7), let updated = number(8)
        else {
            throw .invalidStoredRecord(location: location, row: shown, reason: "a required column is empty")
        }
        let record: AddressRecord
        do {
            record = try AddressRecord(address: "\(name)*\(domain)", accountID: account, memoType: text(4), memo: text(5))
        } catch {
            throw .invalidStoredRecord(location: location, row: shown, reason: error.description)
        }
        return StoredAddress(
            record: record, addedAt: addedAt, created: Date(timeIntervalSince1970: Double(created) / 1000),
            updated: Date(timeIntervalSince1970: Double(updated) / 1000))
    }

    /// Runs an operation, turning every failure into an ``AddressBookError`` that says what was being done.
    private func perform<Result>(_ operation: String, _ body: () async throws -> Result) async throws(AddressBookError) -> Result {
        do {
            return try await body()
        } catch let error as AddressBookError {
            throw error
        } catch let failure as ConnectionFailure {
            throw .unavailable(location: location, reason: session.backend.explain(failure.underlying))
        } catch {
            logger.debug("address book operation failed", metadata: ["operation": "\(operation)", "store": "\(location)"])
            throw .operationFailed(location: location, operation: operation, reason: session.backend.explain(error))
        }
    }
}
