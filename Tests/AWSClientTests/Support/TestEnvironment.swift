import Foundation
import Logging

@testable import AWSClient

/// A scratch home directory with `~/.aws` files, and an environment that points at it.
///
/// The instance metadata service is switched off unless a test turns it on, so no test ever waits for
/// 169.254.169.254.
struct TestHome: Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("awsclient-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    }

    var path: String { directory.path }

    /// Writes a file relative to the home directory and returns its path.
    @discardableResult
    func write(_ relativePath: String, _ text: String, executable: Bool = false) throws -> String {
        let url = directory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        return url.path
    }

    func credentials(_ text: String) throws { try write(".aws/credentials", text) }
    func config(_ text: String) throws { try write(".aws/config", text) }

    func environment(_ variables: [String: String] = [:]) -> AWSEnvironment {
        var base = [
            "HOME": path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        base.merge(variables) { _, new in new }
        return AWSEnvironment(base)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a session and always shuts it down (AsyncHTTPClient requires it).
func withSession<Result>(
    _ environment: AWSEnvironment, configuration: AWSClientConfiguration = AWSClientConfiguration(),
    _ body: (AWSSession) async throws -> Result
) async throws -> Result {
    let session = try AWSSession(
        configuration: configuration, environment: environment, logger: Logger(label: "awsclient-tests"))
    do {
        let result = try await body(session)
        try await session.shutdown()
        return result
    } catch {
        try? await session.shutdown()
        throw error
    }
}

/// Runs `body` with a scratch home that is removed afterwards.
func withTestHome<Result>(_ body: (TestHome) async throws -> Result) async throws -> Result {
    let home = try TestHome()
    defer { home.remove() }
    return try await body(home)
}
