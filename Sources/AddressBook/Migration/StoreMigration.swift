import Foundation
import Logging

/// Copies a whole address book from one store to another (SQLite to PostgreSQL, before moving servers to it) and
/// proves the copy: `fedns federation migrate`.
///
/// 1. Both books are read, each in one snapshot, and ``MigrationPlan`` decides, writing nothing yet: nothing to do
///    (the target already holds the source: a re-run after success), refused (a target with records, without
///    `merge` or `replace`), conflicts (`merge` with an address in both that differs), or a copy.
/// 2. The copy is one transaction on the target (``WholeBookStore/load``): every record with its added order and
///    times, the version raised above the source's, and a NOTIFY for replicas already running on the target. It
///    fails, writing nothing, if the target changed since it was read.
/// 3. Both books are read again and compared (``MigrationValidation``): per domain, record counts and digests on
///    both sides; every record against what the copy should have produced; and the source against the snapshot
///    that was copied, so a write to the source during the copy is found and reported.
public enum StoreMigration {
    public enum Outcome: Sendable {
        /// The target already held what the migration would produce; nothing was written.
        case alreadyDone(MigrationValidation)
        /// The target holds `records` addresses in `domains` domains, and neither merge nor replace was asked for.
        case refusedNonEmpty(records: Int, domains: Int)
        /// Merge refused: these addresses are in both books with different contents. Nothing was written.
        case conflicts([MigrationConflict])
        /// `written` records were copied; the validation says whether the copy is exact.
        case copied(written: Int, validation: MigrationValidation)

        /// True when the target now holds a proven copy.
        public var succeeded: Bool {
            switch self {
            case .alreadyDone: true
            case .copied(_, let validation): validation.passed
            case .refusedNonEmpty, .conflicts: false
            }
        }
    }

    /// Runs a migration; `progress` receives a line for each step, `afterCopy` runs between the commit and the
    /// validation (tests use it to change the source at exactly that moment).
    public static func run(
        from source: StoreLocation, to target: StoreLocation, mode: MigrationMode, logger: Logger,
        progress: (String) -> Void = { _ in }, afterCopy: () async -> Void = {}
    ) async throws(AddressBookError) -> Outcome {
        guard source != target else {
            throw .invalidLocation(target.description, reason: "the source and the target are the same store")
        }
        if case .sqlite(let path) = source, !FileManager.default.fileExists(atPath: path) {
            throw .unavailable(location: source.description, reason: "no such file; give the path of the existing SQLite book")
        }
        let from = try await AddressBook.openWhole(source, logger: logger)
        let into: any WholeBookStore
        do {
            into = try await AddressBook.openWhole(target, logger: logger)
        } catch {
            await from.close()
            throw error
        }
        do {
            let outcome = try await migrate(from: from, into: into, mode: mode, progress: progress, afterCopy: afterCopy)
            await from.close()
            await into.close()
            return outcome
        } catch {
            await from.close()
            await into.close()
            throw error
        }
    }

    static func migrate(
        from source: any WholeBookStore, into target: any WholeBookStore, mode: MigrationMode, progress: (String) -> Void,
        afterCopy: () async -> Void
    ) async throws(AddressBookError) -> Outcome {
        let copied = try await source.contents()
        progress("source: \(source.location) (version \(copied.version), \(describe(copied)))")
        let before = try await target.contents()
        progress("target: \(target.location) (version \(before.version), \(describe(before)))")

        switch MigrationPlan.make(source: copied, target: before, mode: mode) {
        case .alreadyDone:
            return .alreadyDone(MigrationValidation(expected: before.records, target: before, copied: copied, after: copied))
        case .refusedNonEmpty(let records, let domains):
            return .refusedNonEmpty(records: records, domains: domains)
        case .conflicts(let conflicts):
            return .conflicts(conflicts)
        case .copy(let records, let replacing, let expected):
            let version = try await target.load(
                records, replacing: replacing, expectedVersion: before.version, versionAtLeast: copied.version)
            progress(
                "copied \(records.count) addresses into \(target.location) in one transaction"
                    + (replacing ? ", replacing its \(before.records.count)" : "") + " (target version \(version))")
            await afterCopy()
            let after = try await source.contents()
            let written = try await target.contents()
            return .copied(
                written: records.count,
                validation: MigrationValidation(expected: expected, target: written, copied: copied, after: after))
        }
    }

    private static func describe(_ book: BookContents) -> String {
        guard !book.records.isEmpty else { return "empty" }
        let domains = Set(book.records.map(\.record.address.domain)).count
        return "\(book.records.count) addresses in \(domains) domain\(domains == 1 ? "" : "s")"
    }
}
