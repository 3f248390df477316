import AddressBook
import Federation
import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import Testing

/// The two kinds of store; every contract test runs against both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// One empty database of a kind, with the raw access some tests need to reach past the store.
struct TestDatabase: Sendable {
    let kind: StoreKind
    let url: String
    /// For SQLite, the file; for PostgreSQL, the database name.
    let name: String

    static func make(_ kind: StoreKind) async throws -> TestDatabase {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-book-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("nested/book.db").path
            return TestDatabase(kind: kind, url: "sqlite:\(path)", name: path)
        case .postgres:
            let server = try #require(PostgresServerTrait.current, "the suite needs the .postgresServer trait")
            let name = try await server.createDatabase()
            return TestDatabase(kind: kind, url: server.url(database: name), name: name)
        }
    }

    /// Removes what the database left on disk (a PostgreSQL database goes with its server's directory).
    func remove() {
        guard kind == .sqlite else { return }
        let directory = URL(fileURLWithPath: name).deletingLastPathComponent().deletingLastPathComponent()
        try? FileManager.default.removeItem(at: directory)
    }

    func open(logger: Logger = TestDatabase.quiet) async throws -> any AddressBookStore {
        try await AddressBook.open(url: url, logger: logger)
    }

    /// Runs statements directly on the database, outside the store.
    func execute(_ statements: [String]) async throws {
        switch kind {
        case .sqlite:
            let connection = try await SQLiteConnection.open(storage: .file(path: name), logger: Self.quiet)
            do {
                for statement in statements { _ = try await connection.query(statement) }
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        case .postgres:
            let server = try #require(PostgresServerTrait.current)
            try await server.withConnection(database: name) { connection in
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresTestServer.quiet) }
            }
        }
    }

    /// A trigger that makes any insert of the name `poison` fail, to break a transaction half-way.
    var poisonTrigger: [String] {
        switch kind {
        case .sqlite:
            return [
                """
                CREATE TRIGGER poison BEFORE INSERT ON addresses WHEN NEW.name = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                """
            ]
        case .postgres:
            return [
                """
                CREATE FUNCTION poison() RETURNS trigger AS $$
                BEGIN IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql
                """,
                "CREATE TRIGGER poison BEFORE INSERT ON addresses FOR EACH ROW EXECUTE FUNCTION poison()",
            ]
        }
    }

    static let quiet = Logger(label: "fedns.test.book", factory: { _ in SwiftLogNoOpLogHandler() })
}
