import Foundation
import Testing

@testable import AddressBook
@testable import Federation

/// The pure core of `fedns federation migrate`: what is decided from two books, what counts as an exact copy, and the
/// report. No database.
@Suite struct MigrationPlanTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    static func stored(
        _ address: String, _ account: String = bob, memo: (String, String)? = nil, addedAt: Int64 = 1, at ms: Int64 = 1_700_000_000_000
    ) -> StoredAddress {
        let record: AddressRecord
        do {
            record = try AddressRecord(address: address, accountID: account, memoType: memo?.0, memo: memo?.1)
        } catch {
            preconditionFailure("fixture \(address) is invalid: \(error)")  // test data only
        }
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        return StoredAddress(record: record, addedAt: addedAt, created: date, updated: date)
    }

    static func book(_ records: [StoredAddress], version: Int64 = 10) -> BookContents {
        BookContents(version: version, records: records)
    }

    static let a = stored("a*example.org", memo: ("id", "1"), addedAt: 1)
    static let b = stored("b*example.org", addedAt: 2)
    static let c = stored("c*example.net", alice, addedAt: 3)
    /// `a` with another account: a conflict.
    static let aElsewhere = stored("a*example.org", alice, addedAt: 7)
    /// `a` as another store added it: same contents, other order and times.
    static let aAgain = stored("a*example.org", memo: ("id", "1"), addedAt: 9, at: 1_800_000_000_000)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var source: [StoredAddress]
        var target: [StoredAddress]
        var mode: MigrationMode
        var expected: MigrationPlan
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "into an empty target: copy all", source: [a, b, c], target: [], mode: .intoEmpty,
             expected: .copy(records: [a, b, c], replacing: false, expected: [a, b, c])),
        Case(name: "re-run after success: nothing to do", source: [a, b, c], target: [c, a, b], mode: .intoEmpty, expected: .alreadyDone),
        Case(name: "both empty: nothing to do", source: [], target: [], mode: .intoEmpty, expected: .alreadyDone),
        Case(name: "a target with other records is refused", source: [a, b], target: [c], mode: .intoEmpty,
             expected: .refusedNonEmpty(records: 1, domains: 1)),
        Case(name: "same contents in other order is not the same copy", source: [a], target: [aAgain], mode: .intoEmpty,
             expected: .refusedNonEmpty(records: 1, domains: 1)),
        Case(name: "replace: the target becomes the source", source: [a, b], target: [c], mode: .replace,
             expected: .copy(records: [a, b], replacing: true, expected: [a, b])),
        Case(name: "replace into an empty target removes nothing", source: [a], target: [], mode: .replace,
             expected: .copy(records: [a], replacing: false, expected: [a])),
        Case(name: "replace, already the source: nothing to do", source: [a, b], target: [a, b], mode: .replace, expected: .alreadyDone),
        Case(name: "merge adds what is missing and keeps the rest", source: [a, b], target: [c], mode: .merge,
             expected: .copy(records: [a, b], replacing: false, expected: [c, a, b])),
        Case(name: "merge keeps an identical address as the target has it", source: [a, b], target: [aAgain], mode: .merge,
             expected: .copy(records: [b], replacing: false, expected: [aAgain, b])),
        Case(name: "merge with everything there: nothing to do", source: [a], target: [aAgain, c], mode: .merge, expected: .alreadyDone),
        Case(name: "merge with a conflict writes nothing", source: [a, b], target: [aElsewhere], mode: .merge,
             expected: .conflicts([MigrationConflict(source: a.record, target: aElsewhere.record)])),
    ]

    @Test(arguments: cases)
    func plan(_ example: Case) {
        #expect(MigrationPlan.make(source: Self.book(example.source), target: Self.book(example.target), mode: example.mode) == example.expected)
    }

    @Test func aConflictNamesBothSides() {
        let conflict = MigrationConflict(source: Self.a.record, target: Self.aElsewhere.record)
        #expect(conflict.description == "a*example.org: source \(Self.bob) memo id 1, target \(Self.alice) (no memo)")
    }

    @Test func everyStoredFieldChangesTheDigest() {
        let base = Self.stored("x*example.org", memo: ("text", "hi"), addedAt: 5)
        var changed: [StoredAddress] = []
        for variant in [
            Self.stored("y*example.org", memo: ("text", "hi"), addedAt: 5), Self.stored("X*example.org", memo: ("text", "hi"), addedAt: 5),
            Self.stored("x*example.net", memo: ("text", "hi"), addedAt: 5), Self.stored("x*example.org", Self.alice, memo: ("text", "hi"), addedAt: 5),
            Self.stored("x*example.org", memo: ("text", "ho"), addedAt: 5), Self.stored("x*example.org", memo: ("id", "1"), addedAt: 5),
            Self.stored("x*example.org", addedAt: 5), Self.stored("x*example.org", memo: ("text", "hi"), addedAt: 6),
        ] { changed.append(variant) }
        var later = base
        later.updated = later.updated.addingTimeInterval(0.001)
        changed.append(later)
        var earlier = base
        earlier.created = earlier.created.addingTimeInterval(-1)
        changed.append(earlier)
        #expect(RecordDigest.of(base) == RecordDigest.of(Self.stored("x*example.org", memo: ("text", "hi"), addedAt: 5)))
        let digests = Set(changed.map { BookSummary.hex(RecordDigest.of($0)) })
        #expect(digests.count == changed.count)
        #expect(!digests.contains(BookSummary.hex(RecordDigest.of(base))))
        #expect(RecordDigest.differences(base, later) == ["updated_at"])
    }

    @Test func anExactCopyPasses() {
        let validation = MigrationValidation(
            expected: [Self.a, Self.b, Self.c], target: Self.book([Self.c, Self.b, Self.a]), copied: Self.book([Self.a, Self.b, Self.c]),
            after: Self.book([Self.a, Self.b, Self.c]))
        #expect(validation.passed)
        #expect(validation.domains.map(\.domain) == ["example.net", "example.org"])
        #expect(validation.domains.map(\.targetCount) == [1, 2])
        #expect(validation.domains.allSatisfy { $0.sourceDigest == $0.targetDigest && $0.sourceDigest?.count == 64 })
        let report = validation.report(source: "sqlite:/s.db", target: "postgres://u@h:5432/d")
        #expect(report.first == "validation: sqlite:/s.db (source, version 10) against postgres://u@h:5432/d (target)")
        #expect(report.contains { $0.hasPrefix("  example.org") && $0.hasSuffix("  ok") && $0.contains("       2         2") })
        #expect(report.last?.hasPrefix("  all   ") == true)
        #expect(report.last?.hasSuffix("ok") == true)
    }

    @Test func aChangedMissingOrExtraRecordIsAMismatch() {
        var altered = Self.b
        altered.record.accountID = Self.c.record.accountID  // bob's address now pays alice
        let validation = MigrationValidation(
            expected: [Self.a, Self.b, Self.c], target: Self.book([altered, Self.c, Self.aElsewhere.withAddress("z*example.org")]),
            copied: Self.book([Self.a, Self.b, Self.c]), after: Self.book([Self.a, Self.b, Self.c]))
        #expect(!validation.passed)
        #expect(!validation.sourceChanged)
        #expect(
            validation.mismatches == [
                "a*example.org: missing in the target", "b*example.org: differs in the target (account_id)",
                "z*example.org: in the target but not expected",
            ])
        #expect(validation.domains.first { $0.domain == "example.org" }?.passed == false)
        #expect(validation.domains.first { $0.domain == "example.net" }?.passed == true)
        let report = validation.report(source: "s", target: "t", limit: 2)
        #expect(report.contains { $0.hasPrefix("  example.org") && $0.hasSuffix("MISMATCH") })
        #expect(report.contains("records not as copied (3):"))
        #expect(report.contains("  … and 1 more"))
    }

    @Test func aSourceThatChangedDuringTheCopyIsReported() {
        let added = Self.stored("new*example.org", addedAt: 11)
        let validation = MigrationValidation(
            expected: [Self.a, Self.b], target: Self.book([Self.a, Self.b]), copied: Self.book([Self.a, Self.b], version: 10),
            after: Self.book([Self.a, Self.b, added], version: 11))
        #expect(!validation.passed)
        #expect(validation.sourceChanged)
        #expect(validation.mismatches.isEmpty)
        #expect(validation.sourceChanges == ["new*example.org: added to the source during the copy"])
        #expect(validation.report(source: "s", target: "t").contains("the source changed during the copy (version 10 -> 11), 1 records:"))
    }

    @Test func aMergeCountsWhatTheTargetKept() {
        let validation = MigrationValidation(
            expected: [Self.c, Self.a], target: Self.book([Self.a, Self.c]), copied: Self.book([Self.a]), after: Self.book([Self.a]))
        #expect(validation.passed)
        #expect(validation.domains.map(\.kept) == [1, 0])
        #expect(validation.report(source: "s", target: "t").contains { $0.hasSuffix("ok (+1 kept from the target)") })
    }
}

extension StoredAddress {
    fileprivate func withAddress(_ text: String) -> StoredAddress {
        var copy = self
        if let address = try? StellarAddress(text) { copy.record.address = address }
        return copy
    }
}
