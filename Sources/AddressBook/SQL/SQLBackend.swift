/// A value bound to or read from a statement. The schema needs only text and 64-bit integers.
enum SQLValue: Hashable, Sendable {
    case text(String)
    case integer(Int64)
    case null

    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

/// The differences between the SQL the two databases accept, kept to a minimum: statements are written once with
/// `$1`-style placeholders and portable types (TEXT, BIGINT).
struct SQLDialect: Sendable {
    /// How a write transaction starts. SQLite takes the write lock at once (`IMMEDIATE`), so two processes never
    /// both read and then fail to upgrade; PostgreSQL locks rows as it goes.
    var beginTransaction: String
    /// How a read-only transaction starts that sees one snapshot across its statements (a whole book read for a
    /// migration): SQLite's deferred transaction does in WAL mode; PostgreSQL needs REPEATABLE READ.
    var beginReadTransaction: String
    /// A statement that serialises concurrent migrations inside their transaction, if the database needs one.
    var migrationLock: String?
    /// Rewrites `$1` placeholders into the database's own form.
    var placeholders: @Sendable (String) -> String
    /// A statement, run in every transaction that raises the version (bound to the new version as `$1`), that tells
    /// other processes of the change once it commits (PostgreSQL's NOTIFY); nil where writes are noticed otherwise.
    var notifyChange: String? = nil
}

/// One database connection: statements in, rows (values in the selected order) out.
protocol SQLConnection: Sendable {
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]]
    /// False once the connection is gone (closed by either side): it must be replaced, whatever the error said.
    var isOpen: Bool { get }
    func close() async
}

/// A database the address book can live in.
protocol SQLBackend: Sendable {
    associatedtype Connection: SQLConnection

    var dialect: SQLDialect { get }
    /// Where the database is, without secrets.
    var location: String { get }
    /// Opens a connection ready for use (pragmas, session settings).
    func connect() async throws -> Connection
    /// A one-line explanation of an error from this database, without secrets.
    func explain(_ error: any Error) -> String
    /// True when the error means the connection is gone and the next operation needs a new one.
    func isConnectionLost(_ error: any Error) -> Bool
    /// Notices writes by any process (``AddressBookStore/watchWrites(_:)``); nil where the database cannot be watched.
    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)?
}

extension SQLBackend {
    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)? { nil }
}
