import Foundation
import SQLiteNIO
import Testing

@testable import AddressBook
@testable import Federation

/// What only the SQLite store does: the file, WAL, and waiting for a writer in another process.
@Suite struct SQLiteStoreTests {
    @Test func createsTheFileInWALModeAndWaitsForAnotherWriter() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { database.remove() }
        #expect(!FileManager.default.fileExists(atPath: database.name))
        let store = try await database.open()
        #expect(FileManager.default.fileExists(atPath: database.name))

        // Another process holds the write lock for a moment: the store waits (busy_timeout) instead of failing.
        let other = try await SQLiteConnection.open(storage: .file(path: database.name), logger: TestDatabase.quiet)
        #expect(try await other.query("PRAGMA journal_mode").first?.columns.first?.data.string == "wal")
        _ = try await other.query("BEGIN IMMEDIATE")
        let adding = Task {
            try await store.add(AddressRecord(address: "bob*example.org", accountID: "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"))
        }
        try await Task.sleep(for: .milliseconds(300))
        _ = try await other.query("COMMIT")
        try await other.close()
        _ = try await adding.value
        #expect(try await store.list(domain: nil).count == 1)
        await store.close()
    }
}
