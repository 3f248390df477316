import Foundation
import Testing

@testable import Inventory

@Suite("Snapshot file")
struct SnapshotFileTests {
    @Test("a save removes the temporary files of writers that were killed, and leaves a live writer's alone")
    func abandonedTemporariesRemoved() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-snapfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A process that has exited (its pid is free now) and one that still runs (this test's parent).
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = directory.appendingPathComponent(".snapshot.json.\(finished.processIdentifier).tmp")
        let live = directory.appendingPathComponent(".snapshot.json.\(getppid()).tmp")
        let unrelated = directory.appendingPathComponent(".other.json.\(finished.processIdentifier).tmp")
        for file in [dead, live, unrelated] { try Data("{\"half".utf8).write(to: file) }

        try SnapshotFile(path: directory.appendingPathComponent("snapshot.json").path).save(Snapshot(serial: 1, instances: []))

        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
        #expect(FileManager.default.fileExists(atPath: unrelated.path))
        guard case .loaded(let saved) = SnapshotFile(path: directory.appendingPathComponent("snapshot.json").path).load() else {
            Issue.record("the snapshot was not written")
            return
        }
        #expect(saved.serial == 1)
    }
}
