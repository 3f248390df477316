import Synchronization

/// One connection, used by one operation at a time, reopened after it is lost.
///
/// A single connection is enough: the server answers from an in-memory mirror and touches the database only to
/// poll the change counter and reload, and commands make a handful of statements. Serialising in the process
/// keeps a transaction's statements together on its connection; between processes the database's own locking
/// (SQLite's write lock, PostgreSQL's row locks) does the rest.
final class SQLSession<Backend: SQLBackend>: Sendable {
    let backend: Backend
    private let gate = AsyncGate()
    private let connection = Mutex<Backend.Connection?>(nil)

    init(backend: Backend) {
        self.backend = backend
    }

    func withConnection<Result>(_ body: (Backend.Connection) async throws -> Result) async throws -> Result {
        await gate.acquire()
        defer { gate.release() }
        let current: Backend.Connection
        if let open = connection.withLock({ $0 }) {
            current = open
        } else {
            do {
                current = try await backend.connect()
            } catch {
                throw ConnectionFailure(underlying: error)
            }
            connection.withLock { $0 = current }
        }
        do {
            return try await body(current)
        } catch {
            if backend.isConnectionLost(error) || !current.isOpen {
                connection.withLock { $0 = nil }
                await current.close()
            }
            throw error
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. A crash in between
    /// leaves nothing behind, because neither database makes an uncommitted transaction visible. A `readOnly`
    /// transaction reads one snapshot of the database and takes no write lock.
    func withTransaction<Result>(
        readOnly: Bool = false, _ body: (Backend.Connection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            let dialect = backend.dialect
            _ = try await connection.query(readOnly ? dialect.beginReadTransaction : dialect.beginTransaction, [])
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                _ = try? await connection.query("ROLLBACK", [])
                throw error
            }
            do {
                _ = try await connection.query("COMMIT", [])
            } catch {
                // A COMMIT that fails can leave SQLite's transaction open; end it so the connection stays usable.
                _ = try? await connection.query("ROLLBACK", [])
                throw error
            }
            return result
        }
    }

    func close() async {
        await gate.acquire()
        defer { gate.release() }
        let open = connection.withLock { current in
            defer { current = nil }
            return current
        }
        await open?.close()
    }
}

/// The database could not be opened or reached (as opposed to a statement failing).
struct ConnectionFailure: Error {
    var underlying: any Error
}

/// A first-come, first-served lock for async code (a mutex must not be held across `await`).
final class AsyncGate: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enterNow = state.withLock { state in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if enterNow { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
