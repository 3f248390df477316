import Foundation
import Logging
import PostgresNIO
import Testing

/// A real PostgreSQL server for the store tests: a fresh data directory, started on a free loopback port, stopped
/// and deleted when the suite ends.
///
/// `initdb` and `postgres` refuse to run as root, so under root they run as `nobody` (through `runuser`), which
/// owns the temporary directory. Password authentication (scram) is on for TCP, with a password full of characters
/// that need percent-encoding, so the store URL parsing and the no-password-in-logs rule are tested for real.
final class PostgresTestServer: Sendable {
    static let user = "fedns"
    static let password = "s3cret p@ss/:%"
    static let encodedPassword = "s3cret%20p%40ss%2F%3A%25"

    let port: Int
    let directory: String
    private let binaries: String
    private let runAs: String?

    private init(port: Int, directory: String, binaries: String, runAs: String?) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.runAs = runAs
    }

    /// The store URL for a database on this server.
    func url(database: String) -> String {
        "postgres://\(Self.user):\(Self.encodedPassword)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    static func start() async throws -> PostgresTestServer {
        let binaries = try findBinaries()
        let runAs = geteuid() == 0 ? "nobody" : nil
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedns-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/socket", withIntermediateDirectories: true)
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/pwfile"))
        if runAs != nil { try run("/bin/chown", ["-R", "nobody:nogroup", directory]) }

        let server = PostgresTestServer(port: try freePort(), directory: directory, binaries: binaries, runAs: runAs)
        try server.runPostgres(
            "initdb",
            ["-D", directory + "/data", "-U", user, "--pwfile", directory + "/pwfile", "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
        let options = "-p \(server.port) -h 127.0.0.1 -k \(directory)/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try server.runPostgres("pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-o", options, "-w", "-t", "60", "start"])
        return server
    }

    func stop() {
        try? runPostgres("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates an empty database and returns its name.
    func createDatabase() async throws -> String {
        let name = "book_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        _ = try await withConnection(database: "postgres") { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.quiet)
        }
        return name
    }

    /// A raw connection, for tests that reach past the store (triggers, hand-written rows).
    func withConnection<Result>(database: String, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: Self.user, password: Self.password, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 99, logger: Self.quiet)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static let quiet = Logger(label: "fedns.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private func runPostgres(_ tool: String, _ arguments: [String]) throws {
        let path = "\(binaries)/\(tool)"
        if let runAs {
            try Self.run("/usr/sbin/runuser", ["-u", runAs, "--", path] + arguments, directory: directory)
        } else {
            try Self.run(path, arguments, directory: directory)
        }
    }

    /// `pg_config --bindir` when it points at a server installation, else the newest `/usr/lib/postgresql/*/bin`.
    private static func findBinaries() throws -> String {
        let fileManager = FileManager.default
        if let bindir = try? output("/usr/bin/pg_config", ["--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines),
            fileManager.isExecutableFile(atPath: bindir + "/initdb")
        {
            return bindir
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bindir = "/usr/lib/postgresql/\(version)/bin"
            if fileManager.isExecutableFile(atPath: bindir + "/initdb") { return bindir }
        }
        throw SetupError("PostgreSQL server binaries not found; run Tests/setup/install-test-deps.sh (it installs postgresql)")
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SetupError("cannot create a socket to find a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw SetupError("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> String {
        try output(executable, arguments, directory: directory)
    }

    /// Runs a command to completion and returns what it printed.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: `pg_ctl start` leaves a daemon behind, and
    /// Process on Linux was seen never to notice its child's exit in that case. Output goes to a file, not a pipe,
    /// because the daemon would inherit a pipe and keep it open.
    private static func output(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> String {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-test-command-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The tools must start in a directory their user can enter; `env -C` changes to it first.
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw SetupError("cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS by hand: exited normally when the low 7 bits are zero.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw SetupError("\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Runs a suite with one PostgreSQL server, started before its first test and stopped after its last.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: PostgresTestServer?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: () async throws -> Void) async throws {
        let server = try await PostgresTestServer.start()
        defer { server.stop() }
        try await Self.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == PostgresServerTrait {
    /// The suite's tests can reach a PostgreSQL server through ``PostgresServerTrait/current``.
    static var postgresServer: Self { PostgresServerTrait() }
}
