import Foundation
import Logging
import TestSupport
import Testing

@testable import AddressBook
@testable import Federation

/// The store contract, written once and run against SQLite and a real PostgreSQL server.
@Suite(.postgresServer) struct StoreContractTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
    static let pool = "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU"

    static func record(_ address: String, _ account: String, _ memoType: String? = nil, _ memo: String? = nil) throws -> AddressRecord {
        try AddressRecord(address: address, accountID: account, memoType: memoType, memo: memo)
    }

    static func address(_ text: String) throws -> StellarAddress { try StellarAddress(text) }

    /// Opens a fresh store, runs `body`, closes it.
    private func withStore(_ kind: StoreKind, _ body: (any AddressBookStore, TestDatabase) async throws -> Void) async throws {
        let database = try await TestDatabase.make(kind)
        defer { database.remove() }
        let store = try await database.open()
        do {
            try await body(store, database)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens a second store on the same database, as another process would, and always closes it.
    private func withOtherStore(_ database: TestDatabase, _ body: (any AddressBookStore) async throws -> Void) async throws {
        let other = try await database.open()
        do {
            try await body(other)
            await other.close()
        } catch {
            await other.close()
            throw error
        }
    }

    @Test(arguments: StoreKind.allCases)
    func addLookUpUpdateRemove(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let added = try await store.add(Self.record("Bob*Example.org", Self.bob, "id", "123"))
            #expect(added.record.address.description == "Bob*example.org")
            #expect(added.record.memo == .id(123))

            let found = try #require(try await store.lookup(Self.address("bob*example.org")))
            #expect(found.record == added.record)
            #expect(found.addedAt == added.addedAt)

            #expect(try await store.upsert(Self.record("BOB*example.org", Self.alice)) == .updated)
            let updated = try #require(try await store.lookup(Self.address("bob*EXAMPLE.org")))
            #expect(updated.record.address.name.text == "BOB")
            #expect(updated.record.accountID.description == Self.alice)
            #expect(updated.record.memo == nil)
            #expect(updated.addedAt == added.addedAt)  // an update keeps the record's place

            #expect(try await store.upsert(Self.record("BOB*example.org", Self.alice)) == .unchanged)
            #expect(try await store.upsert(Self.record("carol*example.org", Self.pool)) == .added)

            #expect(try await store.remove(Self.address("bob*example.org")))
            #expect(try await store.lookup(Self.address("bob*example.org")) == nil)
            #expect(try await !store.remove(Self.address("bob*example.org")))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func addRefusesATakenNameInAnyCase(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.add(Self.record("Zoë*example.org", Self.bob))
            let error = await #expect(throws: AddressBookError.self) {
                try await store.add(Self.record("ZOE\u{308}*example.org", Self.alice))
            }
            guard case .alreadyExists(let existing)? = error else {
                Issue.record("expected alreadyExists, got \(String(describing: error))")
                return
            }
            #expect(existing.accountID.description == Self.bob)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func matchingIsCaseInsensitiveAndUnicodeAware(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.add(Self.record("Straße*example.org", Self.bob))
            try await store.add(Self.record("ΟΔΟΣ*example.org", Self.alice))
            try await store.add(Self.record("Zoë*example.org", Self.pool))
            for (query, stored) in [
                ("STRASSE*example.org", "Straße"), ("strasse*Example.ORG.", "Straße"), ("οδος*example.org", "ΟΔΟΣ"),
                ("zoe\u{308}*example.org", "Zoë"), ("ＺＯＥ\u{308}*example.org", "Zoë"),
            ] {
                let found = try await store.lookup(Self.address(query))
                #expect(found?.record.address.name.text == stored, "\(query)")
            }
            #expect(try await store.lookup(Self.address("strase*example.org")) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func reverseLookupPrefersTheEarliestAddress(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.add(Self.record("zed*example.org", Self.pool))
            try await store.add(Self.record("abe*example.org", Self.pool))
            try await store.add(Self.record("first*other.org", Self.bob))
            let account = try AccountID(Self.pool)
            #expect(try await store.reverseLookup(account, in: nil)?.record.address.description == "zed*example.org")
            // Updating the earliest keeps its place.
            try await store.upsert(Self.record("Zed*example.org", Self.pool, "id", "5"))
            #expect(try await store.reverseLookup(account, in: nil)?.record.address.description == "Zed*example.org")
            #expect(try await store.reverseLookup(account, in: FederationDomain("other.org")) == nil)
            #expect(try await store.reverseLookup(AccountID(Self.alice), in: nil) == nil)
            // Added in one import: the same version, so the smaller name key wins.
            try await store.importRecords(
                [Self.record("b*import.org", Self.alice), Self.record("a*import.org", Self.alice)], mode: .merge)
            #expect(try await store.reverseLookup(AccountID(Self.alice), in: nil)?.record.address.description == "a*import.org")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func listsSortedAndByDomain(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            for text in ["b*two.org", "A*one.org", "c*one.org", "a*two.org"] { try await store.add(Self.record(text, Self.bob)) }
            #expect(try await store.list(domain: nil).map(\.record.address.description) == ["A*one.org", "c*one.org", "a*two.org", "b*two.org"])
            #expect(try await store.list(domain: FederationDomain("two.org")).map(\.record.address.description) == ["a*two.org", "b*two.org"])
            #expect(try await store.hasAddresses(in: FederationDomain("one.org")))
            #expect(try await !store.hasAddresses(in: FederationDomain("three.org")))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func importIsAllOrNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            try await store.add(Self.record("keep*example.org", Self.bob))
            let before = try await store.version()
            let good = [try Self.record("a*example.org", Self.alice), try Self.record("b*example.org", Self.pool)]

            // A duplicate (ignoring case) is refused before anything is written.
            await #expect(throws: AddressBookError.duplicateInImport(try Self.address("A*example.org"))) {
                try await store.importRecords(good + [Self.record("A*example.org", Self.bob)], mode: .merge)
            }
            // A row the database refuses half-way rolls the whole transaction back.
            try await database.execute(database.poisonTrigger)
            let error = await #expect(throws: AddressBookError.self) {
                try await store.importRecords(good + [Self.record("poison*example.org", Self.bob)], mode: .replaceAll)
            }
            #expect(error?.description.contains("poisoned row") == true)
            #expect(try await store.list(domain: nil).map(\.record.address.description) == ["keep*example.org"])
            #expect(try await store.version() == before)

            let summary = try await store.importRecords(good + [Self.record("keep*example.org", Self.bob)], mode: .merge)
            #expect(summary == ImportSummary(added: 2, unchanged: 1))
            #expect(try await store.version() == before + 1)  // one import, one version
            let replaced = try await store.importRecords([Self.record("a*example.org", Self.bob)], mode: .replaceAll)
            #expect(replaced == ImportSummary(updated: 1, removed: 2))
            #expect(try await store.list(domain: nil).map(\.record.accountID.description) == [Self.bob])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func versionCountsChangesOnly(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let start = try await store.version()
            try await store.add(Self.record("a*example.org", Self.bob))
            #expect(try await store.version() == start + 1)
            try await store.upsert(Self.record("a*example.org", Self.bob))
            try await store.remove(Self.address("nobody*example.org"))
            #expect(try await store.version() == start + 1)
            try await store.remove(Self.address("A*example.org"))
            #expect(try await store.version() == start + 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func migrationsAreIdempotent(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            try await store.add(Self.record("a*example.org", Self.bob))
            // Opening again, twice at once, applies nothing and loses nothing.
            try await withOtherStore(database) { first in
                try await withOtherStore(database) { second in
                    #expect(try await first.list(domain: nil).count == 1)
                    let expected = try await store.version()
                    #expect(try await second.version() == expected)
                }
            }
            try await database.execute(["INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (99, 'future', 0)"])
            await #expect(throws: AddressBookError.self) { try await database.open() }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anotherProcessesChangesAreSeenWithinASecond(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            let mirror = AddressBookMirror(store: store, logger: TestDatabase.quiet, pollInterval: .milliseconds(100))
            try await mirror.refresh()
            #expect(mirror.index.count == 0)
            let polling = Task { try await mirror.run() }
            defer { polling.cancel() }

            // A second store on the same database stands for `fedns federation add` in another process.
            try await withOtherStore(database) { other in try await other.add(Self.record("new*example.org", Self.bob)) }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(1))
            while mirror.record(named: try UserName("NEW"), in: try FederationDomain("example.org")) == nil, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(mirror.record(named: try UserName("new"), in: try FederationDomain("example.org"))?.accountID.description == Self.bob)
            #expect(try await !mirror.refresh())  // nothing changed since
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentWritersFromTwoConnections(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            let start = try await store.version()
            try await withOtherStore(database) { other in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (writer, prefix) in [(store, "x"), (other, "y")] {
                        group.addTask {
                            for number in 0..<15 { try await writer.add(Self.record("\(prefix)\(number)*example.org", Self.bob)) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(try await store.list(domain: nil).count == 30)
            #expect(try await store.version() == start + 30)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRowWrittenByHandIsCheckedOnTheWayOut(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            try await database.execute([
                """
                INSERT INTO addresses (domain, name_key, name, account_id, memo_type, memo, added_at, created_at_ms, updated_at_ms)
                VALUES ('example.org', 'bad', 'bad', 'GNOTANACCOUNT', NULL, NULL, 1, 0, 0)
                """
            ])
            let error = await #expect(throws: AddressBookError.self) { try await store.list(domain: nil) }
            #expect(error?.description.contains("holds an invalid record (domain example.org, name bad)") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theStoreAnswersFederationThroughItsMirror(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.add(Self.record("bob*example.org", Self.bob, "id", "1"))
            // As the server answers: from the store's mirror, loaded by its first refresh.
            let mirror = AddressBookMirror(store: store, logger: TestDatabase.quiet)
            try await mirror.refresh()
            let responder = FederationQueryAnswerer()
            func get(_ query: String) throws -> FederationResponse {
                responder.answer(method: "GET", parameters: try QueryParameters(rawQuery: query), directory: mirror)
            }
            let found = try get("type=name&q=BOB%2Aexample.org")
            #expect(found.status == 200)
            #expect(found.bodyText == #"{"stellar_address":"bob*example.org","account_id":"\#(Self.bob)","memo_type":"id","memo":"1"}"#)
            let reverse = try get("type=id&q=\(Self.bob)")
            #expect(reverse.status == 200)
            let unknownDomain = try get("type=name&q=bob*else.org")
            #expect(unknownDomain.status == 404)
            // The store's own lookups (an AddressDirectory that waits), which the mirror's index stands in for.
            let bob = try await store.record(named: UserName("BOB"), in: FederationDomain("example.org"))
            #expect(bob?.accountID.description == Self.bob)
            #expect(try await store.reverseRecord(for: AccountID(Self.bob), in: nil)?.address.description == "bob*example.org")
            #expect(try await !store.hasAddresses(in: FederationDomain("else.org")))
        }
    }

    // MARK: Self-service

    static let one = ClaimLimits(maxPerAccount: 1, replaceEarlier: false)

    @Test(arguments: StoreKind.allCases)
    func claimsBelongToTheirAccount(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let versionBefore = try await store.version()
            #expect(try await store.claim(Self.record("alice*example.org", Self.alice, "id", "1"), limits: Self.one) == .added(replaced: []))
            #expect(try await store.version() == versionBefore + 1)
            // The same account again: unchanged, or updated (memo, spelling); nothing is written when unchanged.
            #expect(try await store.claim(Self.record("alice*example.org", Self.alice, "id", "1"), limits: Self.one) == .unchanged)
            #expect(try await store.version() == versionBefore + 1)
            #expect(try await store.claim(Self.record("ALICE*example.org", Self.alice, "id", "2"), limits: Self.one) == .updated)
            // Another account: refused whatever the case, and nothing changes.
            let version = try await store.version()
            #expect(try await store.claim(Self.record("Alice*example.org", Self.bob), limits: Self.one) == .heldByAnother)
            #expect(try await store.version() == version)
            #expect(try await store.lookup(Self.address("alice*example.org"))?.record.accountID.description == Self.alice)
            // Releases: only by the holder.
            #expect(try await store.release(Self.address("alice*example.org"), by: AccountID(Self.bob)) == .heldByAnother)
            #expect(try await store.release(Self.address("nobody*example.org"), by: AccountID(Self.bob)) == .notFound)
            let released = try await store.release(Self.address("alice*EXAMPLE.org"), by: AccountID(Self.alice))
            #expect(released == .released(try Self.record("ALICE*example.org", Self.alice, "id", "2")))
            #expect(try await store.lookup(Self.address("alice*example.org")) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theLimitIsPerAccountAndDomain(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.add(Self.record("first*example.org", Self.alice))
            try await store.add(Self.record("other*example.net", Self.alice))
            let limited = try await store.claim(Self.record("second*example.org", Self.alice), limits: Self.one)
            #expect(limited == .limitReached(held: [try Self.record("first*example.org", Self.alice)]))
            #expect(try await store.lookup(Self.address("second*example.org")) == nil)
            // Another domain has its own count.
            #expect(try await store.claim(Self.record("second*example.com", Self.alice), limits: Self.one) == .added(replaced: []))
            // Replacing: the earliest address of the account in that domain makes room, in the same transaction.
            try await store.add(Self.record("newer*example.org", Self.alice))
            let two = ClaimLimits(maxPerAccount: 2, replaceEarlier: true)
            let replaced = try await store.claim(Self.record("third*example.org", Self.alice), limits: two)
            #expect(replaced == .added(replaced: [try Self.record("first*example.org", Self.alice)]))
            let held = try await store.addresses(of: AccountID(Self.alice), in: FederationDomain("example.org")).map(\.record.address.description)
            #expect(held == ["newer*example.org", "third*example.org"])
            #expect(try await store.addresses(of: AccountID(Self.alice), in: nil).count == 4)
            #expect(try await store.addresses(of: AccountID(Self.bob), in: nil).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsFromTwoConnectionsCannotBothPass(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            try await withOtherStore(database) { other in
                // Twenty claims of distinct names for one account, split over two connections (two processes):
                // the limit of one holds.
                let results = try await withThrowingTaskGroup(of: ClaimResult.self) { group in
                    for index in 0..<20 {
                        let target = index.isMultiple(of: 2) ? store : other
                        group.addTask { try await target.claim(Self.record("name\(index)*example.org", Self.alice), limits: Self.one) }
                    }
                    return try await group.reduce(into: [ClaimResult]()) { $0.append($1) }
                }
                #expect(results.filter { if case .added = $0 { true } else { false } }.count == 1)
                #expect(try await store.addresses(of: AccountID(Self.alice), in: nil).count == 1)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func nonceIsUsedOnceAcrossConnectionsAndForgottenAfterExpiry(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            let expiry = now.addingTimeInterval(300)
            let version = try await store.version()
            #expect(try await store.consumeNonce("n1", expiresAt: expiry, now: now))
            #expect(try await !store.consumeNonce("n1", expiresAt: expiry, now: now.addingTimeInterval(10)))
            try await withOtherStore(database) { (other: any AddressBookStore) async throws in
                #expect(try await !other.consumeNonce("n1", expiresAt: expiry, now: now.addingTimeInterval(20)))
                #expect(try await other.consumeNonce("n2", expiresAt: expiry, now: now))
            }
            // Past its challenge's expiry the nonce is forgotten (the challenge itself is refused by then).
            #expect(try await store.consumeNonce("n1", expiresAt: expiry.addingTimeInterval(600), now: expiry.addingTimeInterval(1)))
            #expect(try await store.version() == version)  // sign-ins are not address book changes
        }
    }

    // MARK: PostgreSQL only

    @Test func passwordsStayOutOfLogsAndErrors() async throws {
        let server = try #require(PostgresServerTrait.current)
        let database = try await TestDatabase.make(.postgres)
        let logs = CapturedLogs()
        let store = try await database.open(logger: logs.logger)
        try await store.add(Self.record("bob*example.org", Self.bob))
        _ = try await store.list(domain: nil)
        #expect(store.location == "postgres://fedns@127.0.0.1:\(server.port)/\(database.name)?sslmode=disable")
        await store.close()

        let wrongPassword = database.url.replacingOccurrences(of: PostgresTestServer.encodedPassword, with: "not-it")
        let refused = await #expect(throws: AddressBookError.self) { try await AddressBook.open(url: wrongPassword, logger: logs.logger) }
        #expect(refused?.description.contains("password authentication failed") == true)
        #expect(refused?.description.contains("not-it") == false)

        let everything = logs.all.joined(separator: "\n") + (refused?.description ?? "")
        #expect(!logs.all.isEmpty)
        #expect(!everything.contains(PostgresTestServer.password))
        #expect(!everything.contains(PostgresTestServer.encodedPassword))
    }

    @Test func anUnreachableServerIsReported() async throws {
        let error = await #expect(throws: AddressBookError.self) {
            try await AddressBook.open(url: "postgres://fedns:secret@127.0.0.1:1/book?sslmode=disable", logger: TestDatabase.quiet)
        }
        guard case .unavailable(let location, let reason)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(location == "postgres://fedns@127.0.0.1:1/book?sslmode=disable")
        #expect(reason.hasPrefix("cannot connect to 127.0.0.1:1"))
        #expect(reason.hasSuffix("check that PostgreSQL runs there"))
    }
}
