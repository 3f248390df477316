import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

@testable import AddressBook
@testable import Federation

/// What makes several servers on one PostgreSQL database replicas: every write notifies in its own transaction,
/// a mirror follows notifications without waiting for its poll (and keeps following across lost connections), and a
/// database that stops answering is given up on within the statement timeout instead of holding a poll forever.
@Suite(.postgresServer) struct ReplicationTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    /// Polls `condition` every 10 ms for up to `seconds`; false if it never held.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aWriteNotifiesWithItsCommitAndARolledBackOneDoesNot() async throws {
        let database = try await TestDatabase.make(.postgres)
        let server = try #require(PostgresServerTrait.current)
        let store = try await database.open()
        try await database.execute(database.poisonTrigger)
        let payloads = try await server.withConnection(database: database.name) { connection in
            try await connection.listen(on: PostgresBackend.changeChannel) { notifications in
                // LISTEN is in effect once a later statement is answered.
                try await connection.query("SELECT 1", logger: PostgresTestServer.quiet)
                try await store.add(AddressRecord(address: "bob*example.org", accountID: Self.bob))  // version 1
                let poisoned = [
                    try AddressRecord(address: "carol*example.org", accountID: Self.alice),
                    try AddressRecord(address: "poison*example.org", accountID: Self.alice),
                ]
                await #expect(throws: AddressBookError.self) { try await store.importRecords(poisoned, mode: .merge) }
                try await store.add(AddressRecord(address: "dave*example.org", accountID: Self.alice))  // version 2
                var received: [String] = []
                for try await notification in notifications {
                    received.append(notification.payload)
                    if received.count == 2 { break }
                }
                return received
            }
        }
        // The rolled-back import raised the version to 2 inside its transaction; had it notified, "2" would come twice.
        #expect(payloads == ["1", "2"])
        await store.close()
    }

    @Test func aMirrorFollowsWritesByNotificationAloneAcrossLostConnections() async throws {
        let database = try await TestDatabase.make(.postgres)
        let store = try await database.open()
        // A poll interval of an hour: only notifications can bring a change within the test.
        let mirror = AddressBookMirror(store: store, logger: TestDatabase.quiet, pollInterval: .seconds(3600))
        try await mirror.refresh()
        let running = Task { try await mirror.run() }
        let domain = try FederationDomain("example.org")
        let bob = try UserName("bob")
        let alice = try UserName("alice")

        let writer = try await database.open()
        try await writer.add(AddressRecord(address: "bob*example.org", accountID: Self.bob))
        await writer.close()
        #expect(await Self.eventually(within: 3) { mirror.record(named: bob, in: domain) != nil })

        // Every other session of the database ends, as in a PostgreSQL restart: the listener reconnects by itself.
        try await database.execute([
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ])
        try await Task.sleep(for: .milliseconds(300))
        let later = try await database.open()
        try await later.add(AddressRecord(address: "alice*example.org", accountID: Self.alice))
        await later.close()
        #expect(await Self.eventually(within: 8) { mirror.record(named: alice, in: domain) != nil })

        running.cancel()
        _ = await running.result
        await store.close()
    }

    @Test func aStatementWithoutAnAnswerGivesUpClosesTheConnectionAndSaysWhy() async throws {
        let database = try await TestDatabase.make(.postgres)
        guard case .postgres(let target) = try StoreLocation(database.url) else {
            Issue.record("not a PostgreSQL URL")
            return
        }
        // The limit leaves room for a loaded machine (the whole suite runs in parallel): the `SELECT 1` below, on a
        // fresh connection, must not hit it, while the sleep must, well before it ends.
        let backend = PostgresBackend(target: target, logger: TestDatabase.quiet, statementTimeout: .milliseconds(1500))
        let session = SQLSession(backend: backend)
        let started = ContinuousClock.now
        let error = await #expect(throws: StatementTimeout.self) {
            try await session.withConnection { try await $0.query("SELECT pg_sleep(20)", []) }
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(error.map(backend.explain)?.contains("did not answer within 1500 ms") == true)
        #expect(error.map(backend.isConnectionLost) == true)
        // The next statement is answered, on a new connection.
        #expect(try await session.withConnection { try await $0.query("SELECT 1", []) } == [[.integer(1)]])
        await session.close()
    }

    @Test func theListenerWaitsLongerAfterEachFailure() {
        #expect((1...8).map(PostgresChangeListener.retryDelay(afterFailures:)) == [
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5),
        ])
    }
}
