import Foundation
import Logging
import Settings
import Testing

@testable import ServerAssembly

/// `fedns doctor` prints fixes people paste into a shell: each must be a command that runs.
@Suite("doctor")
struct DoctorTests {
    /// A configuration whose server is not running (a closed loopback port) and whose inventory is a file, so the
    /// checks need nothing outside this machine.
    static func config(origin: String, directory: String) throws -> FednsConfig {
        let text = """
            [dns]
            listen = ["127.0.0.1:9"]
            [discovery]
            source = "file"
            file = "inventory.json"
            [control]
            enabled = false
            """
        return try FednsConfig.parse(text, origin: origin, directory: directory, environment: [:])
    }

    static func fixes(_ config: FednsConfig, reason: String? = nil) async -> (checks: [Doctor.Check], fixes: [String]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)").path
        let checks = await Doctor(config: config, configReason: reason, root: root, logger: Logger(label: "test")).run()
        return (checks, checks.compactMap(\.fix))
    }

    @Test("with every default, no fix names a --config that does not exist")
    func defaultsGiveRunnableFixes() async throws {
        let config = try Self.config(origin: "defaults (no configuration file)", directory: "")
        let (checks, fixes) = await Self.fixes(config)
        #expect(checks.contains { $0.name == "server" && $0.outcome == .failed })
        #expect(!fixes.isEmpty)
        for fix in fixes {
            #expect(!fix.contains(config.origin), "\(fix)")
            // Whatever follows --config is a path.
            for argument in fix.split(separator: " ").drop(while: { $0 != "--config" }).dropFirst().prefix(1) {
                #expect(argument.hasPrefix("/"), "\(fix)")
            }
        }
        #expect(fixes.contains("sudo fedns resolver install"))
    }

    @Test("with a configuration file, the fixes name it, and the first line says how it was chosen")
    func fileConfigIsNamed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fedns.toml").path
        try Data("# checked\n".utf8).write(to: URL(fileURLWithPath: path))
        let config = try Self.config(origin: path, directory: directory.path)
        let (checks, fixes) = await Self.fixes(config, reason: "given with --config")
        #expect(checks.first?.detail == "\(path) is valid (given with --config)")
        #expect(fixes.contains("sudo fedns resolver install --config \(path)"))
        #expect(fixes.contains { $0.contains("fedns serve --config \(path)") })
    }

    @Test("an explicit --config wins, and says so")
    func explicitConfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fedns.toml").path
        try Data("[dns]\nzone = \"corp\"\n[discovery]\nsource = \"file\"\nfile = \"i.json\"\n".utf8).write(to: URL(fileURLWithPath: path))
        let (config, reason) = try CheckedConfiguration.load(path: path)
        #expect(config.origin == path)
        #expect(reason == "given with --config")
    }
}
