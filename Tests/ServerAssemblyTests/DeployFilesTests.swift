import Foundation
import Settings
import Testing

@testable import ServerAssembly

/// `deploy/` is what `fedns resolver install` writes for the default configuration; this keeps them identical.
/// To regenerate after changing a template: `FEDNS_UPDATE_DEPLOY=1 swift test --filter DeployFilesTests`.
@Suite("deploy/ files")
struct DeployFilesTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy")

    static func rendered() throws -> [ManagedFile] {
        let config = try FednsConfig.parse("", origin: "/etc/fedns/fedns.toml", directory: "/etc/fedns", environment: [:])
        return ResolverMethod.allCases.map { ResolverFiles.routing($0, config: config) } + [
            ResolverFiles.service(.resolved, configPath: "/etc/fedns/fedns.toml", binary: "/usr/local/bin/fedns"),
            ResolverFiles.service(.macos, configPath: "/usr/local/etc/fedns/fedns.toml", binary: "/usr/local/bin/fedns"),
        ]
    }

    @Test("deploy/ matches what fedns resolver install writes")
    func matches() throws {
        for file in try Self.rendered() {
            let url = Self.deploy.appendingPathComponent(file.deployName)
            if ProcessInfo.processInfo.environment["FEDNS_UPDATE_DEPLOY"] == "1" {
                try Data(file.contents.utf8).write(to: url)
            }
            let committed = try String(contentsOf: url, encoding: .utf8)
            #expect(committed == file.contents, "deploy/\(file.deployName) differs from the template; regenerate it")
        }
    }

    @Test("install writes, status sees, uninstall removes only fedns's files")
    func installCycle() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-root-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = try FednsConfig.parse("[dns]\nlisten = [\"127.0.0.1:5400\"]\nzone = \"aws\"\n", origin: "t", directory: "", environment: [:])
        let file = ResolverFiles.routing(.dnsmasq, config: config)
        #expect(file.path == "/etc/dnsmasq.d/fedns-aws.conf")
        #expect(file.contents.contains("server=/aws/127.0.0.1#5400"))
        let installer = ResolverInstaller(root: root)
        #expect(installer.state(of: file) == .missing)
        _ = try ResolverInstaller(root: root, dryRun: true).install([file])
        #expect(installer.state(of: file) == .missing)
        _ = try installer.install([file])
        #expect(installer.state(of: file) == .current)
        let moved = ResolverFiles.routing(.dnsmasq, config: try FednsConfig.parse("[dns]\nzone = \"aws\"\n", origin: "t", directory: "", environment: [:]))
        #expect(installer.state(of: moved) == .outdated)
        _ = try installer.uninstall([file])
        #expect(installer.state(of: file) == .missing)
        // A file someone else wrote is never overwritten or removed.
        try Data("server=/aws/10.0.0.2\n".utf8).write(to: URL(fileURLWithPath: root + file.path))
        #expect(installer.state(of: file) == .foreign)
        #expect(throws: InstallError.self) { try installer.install([file]) }
        _ = try installer.uninstall([file])
        #expect(FileManager.default.fileExists(atPath: root + file.path))
    }
}
