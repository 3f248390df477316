import Foundation
import Logging
import Testing

@testable import AddressBook
@testable import Federation

/// `StoreMigration` from a SQLite book into a real PostgreSQL server: exact copies, refusals that write nothing,
/// a mismatch injected by a trigger, and a source written to between the copy and its validation.
@Suite(.postgresServer) struct StoreMigrationTests {
    static let accounts = [
        "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ", "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG",
        "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU",
    ]

    /// `count` records over three domains, a third with id memos and a third with text memos.
    static func records(_ count: Int, prefix: String = "user") throws -> [AddressRecord] {
        let domains = ["example.org", "example.net", "example.com"]
        return try (0..<count).map { index in
            let memo: (String, String)? =
                switch index % 3 {
                case 0: ("id", String(index))
                case 1: ("text", "ref \(index)")
                default: nil
                }
            return try AddressRecord(
                address: "\(prefix)\(index)*\(domains[index % domains.count])", accountID: accounts[index % accounts.count],
                memoType: memo?.0, memo: memo?.1)
        }
    }

    /// A SQLite source holding `records`, and an empty PostgreSQL target.
    private func withBooks(
        _ records: [AddressRecord], _ body: (TestDatabase, TestDatabase) async throws -> Void
    ) async throws {
        let source = try await TestDatabase.make(.sqlite)
        defer { source.remove() }
        let target = try await TestDatabase.make(.postgres)
        let store = try await source.open()
        if !records.isEmpty { try await store.importRecords(records, mode: .merge) }
        await store.close()
        try await body(source, target)
    }

    private func migrate(
        _ source: TestDatabase, _ target: TestDatabase, _ mode: MigrationMode = .intoEmpty, afterCopy: () async -> Void = {}
    ) async throws -> StoreMigration.Outcome {
        try await StoreMigration.run(
            from: StoreLocation(source.url), to: StoreLocation(target.url), mode: mode, logger: TestDatabase.quiet, afterCopy: afterCopy)
    }

    private func contents(_ database: TestDatabase) async throws -> BookContents {
        let store = try await AddressBook.openWhole(StoreLocation(database.url), logger: TestDatabase.quiet)
        do {
            let contents = try await store.contents()
            await store.close()
            return contents
        } catch {
            await store.close()
            throw error
        }
    }

    @Test func copiesEveryRecordExactlyAndARerunIsANoOp() async throws {
        try await withBooks(try Self.records(2_000)) { source, target in
            // A removal leaves the source's version above its newest record's: the target must follow it.
            let store = try await source.open()
            #expect(try await store.remove(StellarAddress("user1999*example.net")))
            await store.close()

            let outcome = try await migrate(source, target)
            guard case .copied(let written, let validation) = outcome else {
                Issue.record("expected a copy, got \(outcome)")
                return
            }
            #expect(written == 1_999)
            #expect(validation.passed, "\(validation.report(source: "s", target: "t"))")
            #expect(validation.domains.map(\.targetCount) == [666, 666, 667])  // .com, .net, .org
            let copied = try await contents(source)
            let written2 = try await contents(target)
            #expect(Set(written2.records) == Set(copied.records))  // order, times and memos included
            #expect(written2.version >= copied.version)

            guard case .alreadyDone(let again) = try await migrate(source, target) else {
                Issue.record("a re-run must be a no-op")
                return
            }
            #expect(again.passed && again.targetTotal == 1_999)
            #expect(try await contents(target).version == written2.version)  // nothing written

            // Addresses added after the cutover sort after every copied one.
            let pg = try await target.open()
            let added = try await pg.add(AddressRecord(address: "late*example.org", accountID: Self.accounts[0]))
            await pg.close()
            #expect(copied.records.allSatisfy { $0.addedAt < added.addedAt })
        }
    }

    @Test func aTargetWithRecordsIsRefusedAndAConflictingMergeWritesNothing() async throws {
        try await withBooks(try Self.records(30)) { source, target in
            let pg = try await target.open()
            try await pg.add(AddressRecord(address: "user0*example.org", accountID: Self.accounts[2]))  // differs
            try await pg.add(AddressRecord(address: "kept*example.org", accountID: Self.accounts[1]))
            await pg.close()
            let before = try await contents(target)

            guard case .refusedNonEmpty(records: 2, domains: 1) = try await migrate(source, target) else {
                Issue.record("a target with records must be refused")
                return
            }
            guard case .conflicts(let conflicts) = try await migrate(source, target, .merge) else {
                Issue.record("the merge must be refused")
                return
            }
            #expect(conflicts.map(\.source.address.description) == ["user0*example.org"])
            let after = try await contents(target)
            #expect(after.version == before.version && Set(after.records) == Set(before.records))

            guard case .copied(_, let replaced) = try await migrate(source, target, .replace) else {
                Issue.record("replace must copy")
                return
            }
            #expect(replaced.passed)
            #expect(Set(try await contents(target).records) == Set(try await contents(source).records))
        }
    }

    @Test func aMergeKeepsTheTargetsOtherRecords() async throws {
        try await withBooks(try Self.records(9)) { source, target in
            let pg = try await target.open()
            try await pg.add(AddressRecord(address: "kept*example.org", accountID: Self.accounts[1]))
            await pg.close()
            guard case .copied(let written, let validation) = try await migrate(source, target, .merge) else {
                Issue.record("the merge must copy")
                return
            }
            #expect(written == 9)
            #expect(validation.passed)
            #expect(validation.domains.first { $0.domain == "example.org" }?.kept == 1)
            #expect(try await contents(target).records.count == 10)
            guard case .alreadyDone = try await migrate(source, target, .merge) else {
                Issue.record("a second merge must be a no-op")
                return
            }
        }
    }

    @Test func aMismatchInTheTargetFailsTheValidation() async throws {
        try await withBooks(try Self.records(60)) { source, target in
            // Injected: the target's database changes one record on its way in, as a stray trigger would.
            await (try await target.open()).close()  // the schema, for the trigger to attach to
            try await target.execute([
                """
                CREATE FUNCTION tamper() RETURNS trigger AS $$
                BEGIN IF NEW.name = 'user7' THEN NEW.memo := 'tampered'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql
                """,
                "CREATE TRIGGER tamper BEFORE INSERT ON addresses FOR EACH ROW EXECUTE FUNCTION tamper()",
            ])
            guard case .copied(_, let validation) = try await migrate(source, target) else {
                Issue.record("expected a copy")
                return
            }
            #expect(!validation.passed)
            #expect(!validation.sourceChanged)
            #expect(validation.mismatches == ["user7*example.net: differs in the target (memo)"])
            #expect(validation.domains.filter { !$0.passed }.map(\.domain) == ["example.net"])
        }
    }

    @Test func aSourceWrittenDuringTheCopyIsDetected() async throws {
        try await withBooks(try Self.records(40)) { source, target in
            let outcome = try await migrate(source, target) {
                // Between the commit and the validation: exactly when a writer still using the old book would.
                do {
                    let store = try await source.open()
                    try await store.add(AddressRecord(address: "straggler*example.org", accountID: Self.accounts[0]))
                    try await store.remove(StellarAddress("user3*example.org"))
                    await store.close()
                } catch {
                    Issue.record("writing to the source failed: \(error)")
                }
            }
            guard case .copied(_, let validation) = outcome else {
                Issue.record("expected a copy")
                return
            }
            #expect(!validation.passed)
            #expect(validation.sourceChanged)
            #expect(validation.mismatches.isEmpty)  // the target holds exactly what was read
            #expect(
                validation.sourceChanges == [
                    "straggler*example.org: added to the source during the copy",
                    "user3*example.org: removed from the source during the copy",
                ])
            #expect(validation.sourceVersions.after == validation.sourceVersions.copied + 2)
        }
    }

    @Test func aTargetWrittenSinceItWasReadIsNotOverwritten() async throws {
        let target = try await TestDatabase.make(.postgres)
        let store = try await AddressBook.openWhole(StoreLocation(target.url), logger: TestDatabase.quiet)
        let read = try await store.contents()
        let other = try await target.open()
        try await other.add(AddressRecord(address: "meanwhile*example.org", accountID: Self.accounts[0]))
        await other.close()
        let copy = try Self.records(3).map { StoredAddress(record: $0, addedAt: 1, created: Date(), updated: Date()) }
        await #expect(throws: AddressBookError.changedConcurrently(location: store.location, operation: "copying 3 addresses in")) {
            try await store.load(copy, replacing: true, expectedVersion: read.version, versionAtLeast: 1)
        }
        #expect(try await store.contents().records.map(\.record.address.description) == ["meanwhile*example.org"])
        await store.close()
    }

    @Test func aMissingSourceOrOneStoreTwiceIsRefused() async throws {
        let target = try await TestDatabase.make(.postgres)
        let missing = "sqlite:/tmp/fedns-no-such-book-\(UUID().uuidString).db"
        let error = await #expect(throws: AddressBookError.self) {
            try await StoreMigration.run(from: StoreLocation(missing), to: StoreLocation(target.url), mode: .intoEmpty, logger: TestDatabase.quiet)
        }
        #expect(error?.description.contains("no such file") == true)
        #expect(!FileManager.default.fileExists(atPath: String(missing.dropFirst("sqlite:".count))))
        let same = await #expect(throws: AddressBookError.self) {
            try await StoreMigration.run(from: StoreLocation(target.url), to: StoreLocation(target.url), mode: .replace, logger: TestDatabase.quiet)
        }
        #expect(same?.description.contains("the same store") == true)
    }
}
