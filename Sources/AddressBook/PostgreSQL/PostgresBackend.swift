import Logging
import PostgresNIO
import Synchronization

/// A PostgreSQL database, for operators who already run one (and several fedns instances sharing a book).
///
/// Every write transaction also sends `NOTIFY fedns_address_book` (``PostgresChangeListener`` turns it into a
/// prompt reload on every replica). Every statement must be answered within ``statementTimeout``: a database that
/// has gone silent (a network partition, a stopped server host) would otherwise hold a poll or a command forever,
/// so the connection is closed instead and the next operation opens a new one.
struct PostgresBackend: SQLBackend {
    /// The channel every write notifies and every mirror listens on.
    static let changeChannel = "fedns_address_book"
    /// How long a connection attempt (TCP, TLS, authentication) may take.
    static let connectTimeout = TimeAmount.seconds(10)
    let target: PostgresLocation
    let logger: Logger
    /// How long one statement may wait for its answer, rows included.
    var statementTimeout = TimeAmount.seconds(10)

    var location: String { target.description }

    var dialect: SQLDialect {
        SQLDialect(
            beginTransaction: "BEGIN",
            beginReadTransaction: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            // Two processes starting at once must not both create the tables; the lock ends with the transaction.
            migrationLock: "SELECT pg_advisory_xact_lock(7371566)",
            placeholders: { $0 },
            notifyChange: "SELECT pg_notify('\(Self.changeChannel)', $1)")
    }

    func connect() async throws -> PostgresSQLConnection {
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: try tls())
        configuration.options.connectTimeout = Self.connectTimeout
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        return PostgresSQLConnection(connection: connection, logger: logger, timeout: statementTimeout)
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        switch target.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            // As libpq: encrypt, but do not verify the certificate (verify-full does).
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            return target.tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration()))
        }
    }

    func explain(_ error: any Error) -> String {
        if error is ConnectionClosed { return "the connection to \(target.host):\(target.port) was closed" }
        if let timeout = error as? StatementTimeout {
            return "PostgreSQL at \(target.host):\(target.port) did not answer within \(Self.shown(timeout.limit)) "
                + "(unreachable, or waiting on a lock); the connection was closed"
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error.code {
        case .connectionError:
            let underlying = error.underlying.map(Self.connectionProblem) ?? "no details"
            return "cannot connect to \(target.host):\(target.port) (\(underlying)); check that PostgreSQL runs there"
        case .sslUnsupported:
            return "the server does not offer TLS; use sslmode=disable or prefer"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server closed the connection"
        case .authMechanismRequiresPassword:
            return "the server wants a password; put it in the URL (postgres://USER:PASSWORD@HOST/DB)"
        default:
            return "PostgreSQL error \(error.code)"
        }
    }

    /// The reason a connection attempt failed, in words (NIO's own descriptions are struct dumps).
    private static func connectionProblem(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.first.map { connectionProblem($0.error) } ?? "\(error)"
        }
        if case ChannelError.connectTimeout(let amount)? = error as? ChannelError {
            return "no answer within \(shown(amount))"
        }
        if let error = error as? IOError {
            return error.description
        }
        return "\(error)"
    }

    /// `10 s`, or `500 ms` below a second.
    private static func shown(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    func isConnectionLost(_ error: any Error) -> Bool {
        if error is StatementTimeout || error is ConnectionClosed { return true }
        guard let error = error as? PSQLError else { return false }
        // The server ending the session says why first: 57P01 (terminated by an administrator, a fast shutdown),
        // 57P02 (crash), 57P03 (starting up), and class 08 (connection exceptions).
        if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") || state.hasPrefix("08") { return true }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
    }

    func watchWrites(_ onWrite: @escaping @Sendable () -> Void) -> (any StoreWriteWatch)? {
        PostgresChangeListener(backend: self, onWrite: onWrite)
    }
}

/// Calls `expire` once a whole period passes without a ``tick()``, unless stopped first. One timer per period, not
/// per tick: a result of 100,000 rows costs 100,000 atomic increments.
final class Watchdog: Sendable {
    private let ticks = Atomic<Int>(0)
    private let timer = Mutex<(scheduled: Scheduled<Void>?, stopped: Bool)>((nil, false))

    func tick() { ticks.add(1, ordering: .relaxed) }

    func start(on loop: any EventLoop, every period: TimeAmount, expire: @escaping @Sendable () -> Void) {
        arm(on: loop, period: period, seen: ticks.load(ordering: .relaxed), expire: expire)
    }

    func stop() {
        timer.withLock { state in
            state.stopped = true
            state.scheduled?.cancel()
        }
    }

    private func arm(on loop: any EventLoop, period: TimeAmount, seen: Int, expire: @escaping @Sendable () -> Void) {
        timer.withLock { state in
            guard !state.stopped else { return }
            state.scheduled = loop.scheduleTask(in: period) { [self] in
                guard !timer.withLock({ $0.stopped }) else { return }
                let now = ticks.load(ordering: .relaxed)
                if now == seen { expire() } else { arm(on: loop, period: period, seen: now, expire: expire) }
            }
        }
    }
}

/// A statement on a connection already closed (by the server, or after a timeout).
struct ConnectionClosed: Error {}

/// A statement that got no answer within the backend's limit; its connection has been closed.
struct StatementTimeout: Error {
    var limit: TimeAmount
}

struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    let timeout: TimeAmount

    /// Runs one statement, giving up if the server goes `timeout` without answering (no row, no completion; a long
    /// result that keeps streaming is not cut off): the connection is then closed (the one way PostgresNIO offers to
    /// end a query) and the statement fails with ``StatementTimeout`` whether or not PostgresNIO ever fails it (a
    /// query on a connection that the server had just closed was seen to wait forever). A connection known to be
    /// closed fails at once.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        guard !connection.isClosed else { throw ConnectionClosed() }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .null: bindings.appendNull()
            }
        }
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let answer = connection.eventLoop.makePromise(of: [[SQLValue]].self)
        let watchdog = Watchdog()
        let work = Task { [connection, logger] in
            do {
                var rows: [[SQLValue]] = []
                for try await row in try await connection.query(statement, logger: logger) {
                    rows.append(try row.map(Self.value))
                    watchdog.tick()
                }
                answer.succeed(rows)
            } catch {
                answer.fail(error)
            }
        }
        // Whichever completes the promise first wins; NIO ignores the second completion.
        watchdog.start(on: connection.eventLoop, every: timeout) { [connection, timeout] in
            answer.fail(StatementTimeout(limit: timeout))
            work.cancel()
            let _: EventLoopFuture<Void> = connection.close()
        }
        defer { watchdog.stop() }
        return try await answer.futureResult.get()
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
        case .text, .varchar, .bpchar, .name: return .text(try cell.decode(String.self))
        default: return .null  // types the schema never reads (such as the void of pg_advisory_xact_lock)
        }
    }

    /// False once either side closed it, including a server that ended the session with an error first (an
    /// administrator's `pg_terminate_backend`, a fast shutdown), which reaches us as that error, not as a lost
    /// connection.
    var isOpen: Bool { !connection.isClosed }

    func close() async {
        try? await connection.close()
    }
}
