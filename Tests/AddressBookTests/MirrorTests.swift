import Foundation
import Logging
import MetricsTestKit
import Synchronization
import TestSupport
import Testing

@testable import AddressBook
@testable import Federation

/// A real SQLite store that can be made to fail, standing for a database that goes away.
final class FlakyStore: AddressBookStore {
    let wrapped: any AddressBookStore
    let failing = Mutex(false)

    init(_ wrapped: any AddressBookStore) { self.wrapped = wrapped }

    var location: String { wrapped.location }

    private func check() throws(AddressBookError) {
        if failing.withLock({ $0 }) { throw .unavailable(location: location, reason: "switched off by the test") }
    }

    func lookup(_ address: StellarAddress) async throws(AddressBookError) -> StoredAddress? {
        try check()
        return try await wrapped.lookup(address)
    }
    func reverseLookup(_ account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> StoredAddress? {
        try check()
        return try await wrapped.reverseLookup(account, in: domain)
    }
    func list(domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress] {
        try check()
        return try await wrapped.list(domain: domain)
    }
    func add(_ record: AddressRecord) async throws(AddressBookError) -> StoredAddress { try await wrapped.add(record) }
    func upsert(_ record: AddressRecord) async throws(AddressBookError) -> UpsertOutcome { try await wrapped.upsert(record) }
    func remove(_ address: StellarAddress) async throws(AddressBookError) -> Bool { try await wrapped.remove(address) }
    func importRecords(_ records: [AddressRecord], mode: ImportMode) async throws(AddressBookError) -> ImportSummary {
        try await wrapped.importRecords(records, mode: mode)
    }
    func addresses(of account: AccountID, in domain: FederationDomain?) async throws(AddressBookError) -> [StoredAddress] {
        try check()
        return try await wrapped.addresses(of: account, in: domain)
    }
    func claim(_ record: AddressRecord, limits: ClaimLimits) async throws(AddressBookError) -> ClaimResult {
        try await wrapped.claim(record, limits: limits)
    }
    func release(_ address: StellarAddress, by account: AccountID) async throws(AddressBookError) -> ReleaseResult {
        try await wrapped.release(address, by: account)
    }
    func consumeNonce(_ nonce: String, expiresAt: Date, now: Date) async throws(AddressBookError) -> Bool {
        try await wrapped.consumeNonce(nonce, expiresAt: expiresAt, now: now)
    }
    func version() async throws(AddressBookError) -> Int64 {
        try check()
        return try await wrapped.version()
    }
    func close() async { await wrapped.close() }
    func record(named name: UserName, in domain: FederationDomain) async throws -> AddressRecord? {
        try await lookup(StellarAddress(name: name, domain: domain))?.record
    }
    func reverseRecord(for account: AccountID, in domain: FederationDomain?) async throws -> AddressRecord? {
        try await reverseLookup(account, in: domain)?.record
    }
    func hasAddresses(in domain: FederationDomain) async throws -> Bool {
        try check()
        return try await wrapped.hasAddresses(in: domain)
    }
}

@Suite struct MirrorTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"

    @Test func servesTheLastBookWhileTheStoreIsDown() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { database.remove() }
        let store = FlakyStore(try await database.open())
        let logs = CapturedLogs()
        let mirror = AddressBookMirror(store: store, logger: logs.logger)
        let reloads = Mutex<[Int64]>([])
        mirror.observe { _, version in reloads.withLock { $0.append(version) } }

        _ = try await store.add(AddressRecord(address: "bob*example.org", accountID: Self.bob))
        #expect(try await mirror.refresh())
        #expect(mirror.loadedVersion == 1)
        #expect(try await !mirror.refresh())  // unchanged: no reload

        store.failing.withLock { $0 = true }
        await mirror.poll()
        await mirror.poll()
        let name = try UserName("BOB")
        let domain = try FederationDomain("example.org")
        #expect(mirror.record(named: name, in: domain)?.accountID.description == Self.bob)
        let response = FederationQueryAnswerer().answer(
            method: "GET", parameters: try QueryParameters(rawQuery: "type=name&q=bob*example.org"), directory: mirror)
        #expect(response.status == 200)
        #expect(logs.all.filter { $0.hasPrefix("error address book unreadable") }.count == 1)  // once per outage

        store.failing.withLock { $0 = false }
        _ = try await store.remove(StellarAddress("bob*example.org"))
        await mirror.poll()
        #expect(mirror.record(named: name, in: domain) == nil)
        #expect(logs.all.contains { $0.hasPrefix("notice address book reachable again") })
        #expect(reloads.withLock { $0 } == [1, 2])
        await store.close()
    }

    @Test func theStoresHealthAndTheServedBookAreMetrics() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { database.remove() }
        let store = FlakyStore(try await database.open())
        let metrics = TestMetrics()
        let mirror = AddressBookMirror(store: store, logger: TestDatabase.quiet, metrics: metrics)
        _ = try await store.add(AddressRecord(address: "bob*example.org", accountID: Self.bob))
        _ = try await store.add(AddressRecord(address: "ann*example.org", accountID: Self.bob))
        try await mirror.refresh()
        #expect(try metrics.expectGauge("fedns_federation_store_up").lastValue == 1)
        #expect(try metrics.expectGauge("fedns_federation_book_addresses").lastValue == 2)
        #expect(try metrics.expectGauge("fedns_federation_book_version").lastValue == 2)
        #expect(try metrics.expectCounter("fedns_federation_store_errors_total").totalValue == 0)

        store.failing.withLock { $0 = true }
        await mirror.poll()
        await mirror.poll()
        #expect(try metrics.expectGauge("fedns_federation_store_up").lastValue == 0)
        #expect(try metrics.expectCounter("fedns_federation_store_errors_total").totalValue == 2)

        store.failing.withLock { $0 = false }
        await mirror.poll()
        #expect(try metrics.expectGauge("fedns_federation_store_up").lastValue == 1)
        #expect(try metrics.expectCounter("fedns_federation_store_errors_total").totalValue == 2)
        await store.close()
    }

    @Test func theRecoveryIsLoggedOnceWithTheOutagesLength() async throws {
        let database = try await TestDatabase.make(.sqlite)
        defer { database.remove() }
        let store = FlakyStore(try await database.open())
        let logs = CapturedLogs()
        let mirror = AddressBookMirror(store: store, logger: logs.logger, metrics: TestMetrics())
        try await mirror.refresh()
        store.failing.withLock { $0 = true }
        for _ in 0..<5 { await mirror.poll() }
        try await Task.sleep(for: .milliseconds(1100))
        store.failing.withLock { $0 = false }
        await mirror.poll()
        await mirror.poll()
        #expect(logs.all.filter { $0.hasPrefix("error address book unreadable") }.count == 1)
        let recovered = logs.all.filter { $0.hasPrefix("notice address book reachable again") }
        #expect(recovered.count == 1)
        // At least the second the test waited (more on a busy machine).
        let seconds = recovered.first.flatMap { line in
            line.firstRange(of: "\"outage_seconds\": ").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) } ?? nil
        }
        #expect((seconds ?? 0) >= 1, "\(recovered)")
        await store.close()
    }

    @Test func anUnusableSQLitePathIsReported() async throws {
        let error = await #expect(throws: AddressBookError.self) {
            try await AddressBook.open(url: "sqlite:/proc/fedns-cannot-exist/book.db", logger: TestDatabase.quiet)
        }
        guard case .unavailable(let location, _)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        #expect(location == "sqlite:/proc/fedns-cannot-exist/book.db")
    }
}
