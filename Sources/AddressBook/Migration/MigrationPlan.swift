import Federation

/// How a migration treats a target that already holds records.
public enum MigrationMode: String, Hashable, Sendable {
    /// The target must be empty (or already hold exactly the source: then there is nothing to do).
    case intoEmpty
    /// Add the source's records to those of the target; refused, writing nothing, if any address is in both with a
    /// different account or memo.
    case merge
    /// Make the target exactly the source: records only the target has are removed.
    case replace
}

/// An address in both books with different contents, which `--merge` refuses.
public struct MigrationConflict: Hashable, Sendable, CustomStringConvertible {
    public var source: AddressRecord
    public var target: AddressRecord

    public var description: String {
        "\(source.address): source \(Self.shown(source)), target \(Self.shown(target))"
    }

    private static func shown(_ record: AddressRecord) -> String {
        record.memo.map { "\(record.accountID) memo \($0)" } ?? "\(record.accountID) (no memo)"
    }
}

/// What a migration will do, decided from both books before anything is written: pure, so every case is tested
/// without a database.
enum MigrationPlan: Equatable {
    /// The target already holds what the migration would produce: nothing to write.
    case alreadyDone
    /// The target holds records and neither `--merge` nor `--replace` was given.
    case refusedNonEmpty(records: Int, domains: Int)
    /// `--merge` with addresses in both books that differ.
    case conflicts([MigrationConflict])
    /// Write `records` (after removing every record of the target when `replacing`); the target must then hold
    /// exactly `expected`.
    case copy(records: [StoredAddress], replacing: Bool, expected: [StoredAddress])

    static func make(source: BookContents, target: BookContents, mode: MigrationMode) -> MigrationPlan {
        let sourceSummary = BookSummary(source.records)
        let targetSummary = BookSummary(target.records)
        switch mode {
        case .intoEmpty, .replace:
            // Exactly the source already, digests and all: a re-run after success.
            if sourceSummary.records == targetSummary.records { return .alreadyDone }
            if mode == .intoEmpty, !target.records.isEmpty {
                return .refusedNonEmpty(records: targetSummary.total, domains: targetSummary.domains.count)
            }
            return .copy(records: source.records, replacing: !target.records.isEmpty, expected: source.records)
        case .merge:
            var conflicts: [MigrationConflict] = []
            var missing: [StoredAddress] = []
            for key in sourceSummary.records.keys.sorted() {
                guard let stored = sourceSummary.records[key] else { continue }
                if let existing = targetSummary.records[key] {
                    // The same address with the same account and memo is already there: kept as the target has it.
                    if existing.record != stored.record {
                        conflicts.append(MigrationConflict(source: stored.record, target: existing.record))
                    }
                } else {
                    missing.append(stored)
                }
            }
            if !conflicts.isEmpty { return .conflicts(conflicts) }
            if missing.isEmpty { return .alreadyDone }
            return .copy(records: missing, replacing: false, expected: target.records + missing)
        }
    }
}
