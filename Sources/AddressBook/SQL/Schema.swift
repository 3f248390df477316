/// The schema, one list of migrations for both databases, applied at open.
///
/// Each migration runs once, recorded in `schema_migrations`; all pending ones run in a single transaction, so a
/// crash or a failed statement leaves the database at the version it had. Concurrent starts are serialised (an
/// advisory lock in PostgreSQL, SQLite's write lock), so opening is idempotent and safe from several processes.
enum Schema {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    static let migrations = [
        Migration(
            version: 1, name: "addresses",
            statements: [
                // The change counter: one row, raised by every write that changes something.
                """
                CREATE TABLE address_book_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version BIGINT NOT NULL
                )
                """,
                "INSERT INTO address_book_state (id, version) VALUES (1, 0)",
                // domain: lower case, no trailing dot, `:port` for test names. name_key: UserName.key, computed in
                // Swift so that matching does not depend on the database's collation. name: as entered (NFC).
                // added_at: the version of the write that added the row, the reverse-lookup preference.
                """
                CREATE TABLE addresses (
                    domain TEXT NOT NULL,
                    name_key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    memo_type TEXT,
                    memo TEXT,
                    added_at BIGINT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    updated_at_ms BIGINT NOT NULL,
                    PRIMARY KEY (domain, name_key),
                    CHECK ((memo_type IS NULL) = (memo IS NULL))
                )
                """,
                "CREATE INDEX addresses_by_account ON addresses (account_id)",
            ]),
        Migration(
            version: 2, name: "auth_nonces",
            statements: [
                // SEP-10 challenge nonces already exchanged for a token, kept until their challenge expires, so a
                // challenge is used once across every replica of one store. Not part of the address book's version.
                """
                CREATE TABLE auth_nonces (
                    nonce TEXT PRIMARY KEY,
                    expires_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX auth_nonces_by_expiry ON auth_nonces (expires_at_ms)",
            ]),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is missing; returns the versions applied (empty when the schema was current).
    static func migrate(
        _ session: SQLSession<some SQLBackend>, nowMilliseconds: Int64
    ) async throws -> [Int] {
        try await session.withTransaction { connection in
            if let lock = session.backend.dialect.migrationLock { _ = try await connection.query(lock, []) }
            _ = try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at_ms BIGINT NOT NULL
                )
                """, [])
            let applied = Set(try await connection.query("SELECT version FROM schema_migrations", []).compactMap { $0.first?.integer })
            if let newest = applied.max(), newest > Int64(latestVersion) {
                throw AddressBookError.schemaTooNew(location: session.backend.location, found: Int(newest), supported: latestVersion)
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(Int64(migration.version)) {
                for statement in migration.statements {
                    _ = try await connection.query(session.backend.dialect.placeholders(statement), [])
                }
                _ = try await connection.query(
                    session.backend.dialect.placeholders(
                        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)"),
                    [.integer(Int64(migration.version)), .text(migration.name), .integer(nowMilliseconds)])
                done.append(migration.version)
            }
            return done
        }
    }
}
