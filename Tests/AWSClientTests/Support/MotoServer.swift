import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TestSupport
import Testing

@testable import AWSClient

/// A real `moto_server` for the integration tests: started on a free loopback port, seeded by
/// `Tests/fixtures/moto/seed_moto.py` (boto3), switched to checking signatures, and always terminated.
///
/// Tests get it from `MotoServer.current`, inside suites marked `.motoServer`.
final class MotoServer: @unchecked Sendable {
    // @unchecked: `process` is touched only by `start` and `stop`, which the suite trait runs one after the other.

    struct Key: Decodable, Sendable {
        var accessKeyID: String
        var secretAccessKey: String

        enum CodingKeys: String, CodingKey {
            case accessKeyID = "access_key_id"
            case secretAccessKey = "secret_access_key"
        }

        var credentials: AWSCredentials { AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey) }
    }

    /// What the seeding script printed.
    struct Seed: Decodable, Sendable {
        var account: String
        /// May call ec2:Describe* and sts:AssumeRole.
        var reader: Key
        /// May call nothing.
        var noDescribe: Key
        var roleARN: String
        /// Name (or "untagged") → instance id.
        var instances: [String: String]
        var bulkRegion: String
        var bulkCount: Int

        enum CodingKeys: String, CodingKey {
            case account, reader, instances
            case noDescribe = "no_describe"
            case roleARN = "role_arn"
            case bulkRegion = "bulk_region"
            case bulkCount = "bulk_count"
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    @TaskLocal static var current: MotoServer?

    let port: Int
    let seed: Seed
    private let process: Process
    private let logPath: String

    var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, seed: Seed, process: Process, logPath: String) {
        self.port = port
        self.seed = seed
        self.process = process
        self.logPath = logPath
    }

    /// Reservations created in the bulk region: more than one page of 1,000.
    static let bulkReservations = 1_001

    static func start() async throws -> MotoServer {
        guard let python = ChildProcess.locate("python3", path: ProcessInfo.processInfo.environment["PATH"]) else {
            throw StartFailure(description: "python3 is not on PATH; run Tests/setup/install-test-deps.sh")
        }
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(UUID().uuidString).log").path
        // A free port can be taken between choosing and binding it; try a few.
        var lastProblem = ""
        for _ in 0..<3 {
            let port = try await freeLoopbackPort()
            let process = try launch(python: python, port: port, logPath: logPath)
            do {
                try await waitUntilReady(port: port, process: process, logPath: logPath)
            } catch {
                lastProblem = "\(error)"
                await terminate(process)
                continue
            }
            do {
                let seed = try await runSeed(python: python, endpoint: "http://127.0.0.1:\(port)")
                return MotoServer(port: port, seed: seed, process: process, logPath: logPath)
            } catch {
                await terminate(process)
                throw error
            }
        }
        throw StartFailure(description: "moto_server did not start: \(lastProblem)")
    }

    func stop() async {
        await Self.terminate(process)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    private static func launch(python: String, port: Int, logPath: String) throws -> Process {
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
            let log = FileHandle(forWritingAtPath: logPath)
        else {
            throw StartFailure(description: "cannot write moto's log to \(logPath)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [SharedFixtures.url("moto/run_moto.py").path, "-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        process.environment = environment
        // A file, not a pipe: nobody reads moto's request log while it runs, and a full pipe would stall it.
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StartFailure(description: "cannot start \(python) run_moto.py: \(error)")
        }
        return process
    }

    private static func waitUntilReady(port: Int, process: Process, logPath: String) async throws {
        let transport = HTTPTransport(
            connectTimeout: .milliseconds(500), proxy: nil, maximumResponseBytes: 1 << 20, userAgent: "moto-probe")
        var ready = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !ready && process.isRunning && ContinuousClock.now < deadline {
            let probe = HTTPTransport.Request(
                method: .GET, url: "http://127.0.0.1:\(port)/moto-api/", headers: [], body: [], timeout: .seconds(1))
            if let response = try? await transport.send(probe), response.status == 200 {
                ready = true
            } else {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        try? await transport.shutdown()
        guard ready else {
            let problem = process.isRunning ? "did not answer within 30 s" : "exited at start"
            throw StartFailure(description: "moto \(problem); its log:\n\(logTail(logPath))")
        }
    }

    private static func runSeed(python: String, endpoint: String) async throws -> Seed {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        let output = try await ChildProcess.run(
            [python, SharedFixtures.url("moto/seed_moto.py").path, endpoint, String(bulkReservations)],
            environment: environment, timeout: .seconds(240))
        guard output.status == 0 else {
            throw StartFailure(
                description: "seed_moto.py failed (\(output.status)):\n"
                    + String(decoding: output.standardError.suffix(3_000), as: UTF8.self))
        }
        return try JSONDecoder().decode(Seed.self, from: Data(output.standardOutput))
    }

    /// SIGTERM, then SIGKILL if moto is still there after five seconds.
    private static func terminate(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func freeLoopbackPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    private static func logTail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
        return String(text.suffix(3_000))
    }
}

/// Starts one moto for a whole suite and stops it when the suite is done, pass or fail.
struct MotoServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let moto = try await MotoServer.start()
        do {
            try await MotoServer.$current.withValue(moto) { try await function() }
        } catch {
            await moto.stop()
            throw error
        }
        await moto.stop()
    }
}

extension Trait where Self == MotoServerTrait {
    /// Runs the suite against a seeded `moto_server` with signature checking on.
    static var motoServer: Self { MotoServerTrait() }
}
