import Logging
import PostgresNIO

/// A PostgreSQL database, for operators who already run one (and several fedns instances sharing a book).
struct PostgresBackend: SQLBackend {
    let target: PostgresLocation
    let logger: Logger

    var location: String { target.description }

    var dialect: SQLDialect {
        SQLDialect(
            beginTransaction: "BEGIN",
            // Two processes starting at once must not both create the tables; the lock ends with the transaction.
            migrationLock: "SELECT pg_advisory_xact_lock(7371566)",
            placeholders: { $0 })
    }

    func connect() async throws -> PostgresSQLConnection {
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: try tls())
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        return PostgresSQLConnection(connection: connection, logger: logger)
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
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error.code {
        case .connectionError:
            let underlying = error.underlying.map { "\($0)" } ?? "no details"
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

    func isConnectionLost(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
    }
}

struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .null: bindings.appendNull()
            }
        }
        var rows: [[SQLValue]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            rows.append(try row.map(Self.value))
        }
        return rows
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
        case .text, .varchar, .bpchar, .name: return .text(try cell.decode(String.self))
        default: return .null  // types the schema never reads (such as the void of pg_advisory_xact_lock)
        }
    }

    func close() async {
        try? await connection.close()
    }
}
