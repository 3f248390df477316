import Federation
import Foundation
import Logging
import Synchronization
import Testing

@testable import AddressBook

/// `fedns federation add` and then a lookup, pasted together: the server must see the write at once, not at its
/// next poll. The mirror here polls once a minute, so only the store's write watch can make it see a write sooner.
@Suite struct WriteWatchTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"

    /// Waits up to `seconds` for `condition`, checking every 5 ms.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test func aWriteByAnotherConnectionIsServedAtOnce() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { database.remove() }
        let served = try await database.open()
        let mirror = AddressBookMirror(store: served, logger: TestDatabase.quiet, pollInterval: .seconds(60))
        let running = Task { try await mirror.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually(within: 5) { mirror.loadedVersion != nil })

        // Another connection, as another process (the CLI) would have.
        let writer = try await database.open()
        let name = try UserName("bob")
        let domain = try FederationDomain("example.org")
        for round in 1...3 {
            let started = ContinuousClock.now
            if round == 2 {
                _ = try await writer.remove(StellarAddress("bob*example.org"))
                #expect(try await Self.eventually(within: 2) { mirror.record(named: name, in: domain) == nil })
            } else {
                _ = try await writer.upsert(AddressRecord(address: "bob*example.org", accountID: Self.bob, memoType: "id", memo: "\(round)"))
                #expect(try await Self.eventually(within: 2) { mirror.record(named: name, in: domain)?.memo == .id(UInt64(round)) })
            }
            // Far sooner than the poll interval: the watch, not the poll, brought it.
            #expect(ContinuousClock.now - started < .seconds(2))
        }
        await writer.close()
        running.cancel()
        _ = try? await running.value
        await served.close()
    }

    @Test func writesToTheDatabaseFilesAreNoticedAndOthersAreNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let writes = Mutex(0)
        let watch = try #require(SQLiteWriteWatch(path: directory.appendingPathComponent("book.db").path) { writes.withLock { $0 += 1 } })
        defer { watch.stop() }
        try Data("x".utf8).write(to: directory.appendingPathComponent("other.log"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(writes.withLock { $0 } == 0)
        try Data("x".utf8).write(to: directory.appendingPathComponent("book.db-wal"))
        #expect(try await Self.eventually(within: 2) { writes.withLock { $0 } > 0 })
    }

    @Test func theEventReaderFindsTheDatabaseFilesOnly() {
        func event(_ name: String, padTo length: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 12)
            withUnsafeBytes(of: UInt32(length).littleEndian) { bytes += $0 }
            var padded = Array(name.utf8)
            padded += [UInt8](repeating: 0, count: length - padded.count)
            return bytes + padded
        }
        let names: Set<String> = ["book.db", "book.db-wal", "book.db-journal"]
        #expect(SQLiteWriteWatch.namesAny(of: names, in: ArraySlice(event("other.log", padTo: 16) + event("book.db-wal", padTo: 16))))
        #expect(!SQLiteWriteWatch.namesAny(of: names, in: ArraySlice(event("book.db-shm", padTo: 16) + event("x", padTo: 16))))
        #expect(!SQLiteWriteWatch.namesAny(of: names, in: ArraySlice(event("book.db", padTo: 16).prefix(20))))
    }
}
