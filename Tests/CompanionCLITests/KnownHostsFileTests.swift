import Companion
import Foundation
import Inventory
import Testing

@testable import CompanionCLI

@Suite("The companion's known_hosts file")
struct KnownHostsFileTests {
    static let key = "AAAAC3NzaC1lZDI1NTE5AAAAICx0L8hx0q5nSnb4sTxZX5acnYi86Gti5XzfY05Ru9mR"

    @Test("written atomically with mode 600 in a 700 directory, read back by alias, other lines kept")
    func storeAndRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("known-hosts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fedns/known_hosts").path
        let file = KnownHostsFile(path: path)
        #expect(file.keys(for: "i-1").isEmpty)  // no file yet
        let key = try #require(HostKey(type: "ssh-ed25519", base64: Self.key))
        try file.store([KnownHostsEntry(alias: "i-1", keys: [key])])
        try Data(("other ssh-rsa AAAA\n" + String(contentsOfFile: path, encoding: .utf8)).utf8).write(to: URL(fileURLWithPath: path))
        try file.store([KnownHostsEntry(alias: "i-1", keys: [key])])
        #expect(file.keys(for: "i-1") == [key])
        #expect(file.keys(for: "i-2").isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "other ssh-rsa AAAA\ni-1 ssh-ed25519 \(Self.key)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("fedns").path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
    }
}
