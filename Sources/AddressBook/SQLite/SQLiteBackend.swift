import Foundation
import Logging
import SQLiteNIO

/// The embedded default: one SQLite file, created (with its directory) on first use.
///
/// Each connection sets `journal_mode=WAL` (readers never block the writer, so the server's polls and a
/// command's write do not wait on each other), `synchronous=FULL` (a committed change survives power loss), and
/// `busy_timeout` (a write that meets another process's write waits up to that long, then fails with a clear
/// error; sqlite-nio's own busy handler would otherwise retry forever).
struct SQLiteBackend: SQLBackend {
    let path: String
    let logger: Logger
    /// How long to wait for another writer.
    static let busyTimeoutMilliseconds = 5000

    var location: String { "sqlite:\(path)" }

    var dialect: SQLDialect {
        SQLDialect(
            beginTransaction: "BEGIN IMMEDIATE", beginReadTransaction: "BEGIN DEFERRED", migrationLock: nil,
            // `?NNN` binds by number, exactly like PostgreSQL's `$NNN`.
            placeholders: { $0.replacingOccurrences(of: "$", with: "?") })
    }

    func connect() async throws -> SQLiteSQLConnection {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // A thread of its own: SQLite blocks its thread while it waits for another writer (busy_timeout), and on
        // the shared pool that wait could hold up every other SQLite call in the process.
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
        do {
            _ = try await connection.query("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
            let mode = try await connection.query("PRAGMA journal_mode = WAL").first?.columns.first?.data.string
            guard mode?.lowercased() == "wal" else {
                throw SQLiteSetupError(reason: "the database cannot use WAL mode (it reports \(mode ?? "nothing"))")
            }
            _ = try await connection.query("PRAGMA synchronous = FULL")
        } catch {
            try? await connection.close()
            try? await thread.shutdownGracefully()
            throw error
        }
        return SQLiteSQLConnection(connection: connection, thread: thread)
    }

    func explain(_ error: any Error) -> String {
        if let error = error as? SQLiteError { return error.message.isEmpty ? "\(error.reason)" : error.message }
        if let error = error as? SQLiteSetupError { return error.reason }
        let nsError = error as NSError
        return nsError.localizedFailureReason ?? nsError.localizedDescription
    }

    /// A file database does not go away between statements.
    func isConnectionLost(_ error: any Error) -> Bool { false }

    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)? {
        SQLiteWriteWatch(path: path, onWrite: onWrite)
    }
}

struct SQLiteSetupError: Error {
    var reason: String
}

struct SQLiteSQLConnection: SQLConnection {
    let connection: SQLiteConnection
    let thread: NIOThreadPool

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        let data: [SQLiteData] = binds.map {
            switch $0 {
            case .text(let text): .text(text)
            case .integer(let number): .integer(SQLiteInt64(number))
            case .null: .null
            }
        }
        return try await connection.query(sql, data).map { row in
            row.columns.map { column in
                switch column.data {
                case .integer(let number): .integer(Int64(number))
                case .text(let text): .text(text)
                case .float(let number): .integer(Int64(number))
                case .blob, .null: .null
                }
            }
        }
    }

    /// A file connection stays open until closed.
    var isOpen: Bool { !connection.isClosed }

    func close() async {
        try? await connection.close()
        try? await thread.shutdownGracefully()
    }
}
