import Federation
import Foundation

/// The proof that a copy is exact, computed from both books as read after the copy: for each domain, the source's
/// and the target's record counts and digests (``BookSummary``); every record that is not as expected in the target;
/// and every record that changed in the source while it was being copied. Pure: books in, verdict and report out.
public struct MigrationValidation: Sendable {
    public struct DomainLine: Hashable, Sendable {
        public var domain: String
        public var sourceCount: Int
        public var targetCount: Int
        public var sourceDigest: String?
        public var targetDigest: String?
        public var passed: Bool
        /// Records the target kept that the source does not have (`--merge`).
        public var kept: Int
    }

    public var domains: [DomainLine]
    /// Records of the target that differ from what the copy should have produced, one line each.
    public var mismatches: [String]
    /// Records the source gained, lost or changed between the read that was copied and the read after the copy.
    public var sourceChanges: [String]
    public var sourceVersions: (copied: Int64, after: Int64)
    public var sourceTotal: Int
    public var targetTotal: Int

    public var passed: Bool { mismatches.isEmpty && sourceChanges.isEmpty && domains.allSatisfy(\.passed) }
    public var sourceChanged: Bool { !sourceChanges.isEmpty || sourceVersions.copied != sourceVersions.after }

    /// - Parameters:
    ///   - expected: what the target should hold (the source as copied, plus with `--merge` what the target kept).
    ///   - target: the target as read after the copy.
    ///   - copied: the source as read for the copy; `after`: the source read again after the copy.
    init(expected: [StoredAddress], target: BookContents, copied: BookContents, after: BookContents) {
        let expectedSummary = BookSummary(expected)
        let targetSummary = BookSummary(target.records)
        let copiedSummary = BookSummary(copied.records)
        let afterSummary = BookSummary(after.records)
        let names = Set(expectedSummary.domains.keys).union(targetSummary.domains.keys).union(afterSummary.domains.keys)
        domains = names.sorted().map { name in
            let inTarget = targetSummary.domains[name]
            let inSource = afterSummary.domains[name]
            let passed = expectedSummary.domains[name] == inTarget && copiedSummary.domains[name] == inSource
            return DomainLine(
                domain: name, sourceCount: inSource?.count ?? 0, targetCount: inTarget?.count ?? 0,
                sourceDigest: inSource?.digest, targetDigest: inTarget?.digest, passed: passed,
                kept: (expectedSummary.domains[name]?.count ?? 0) - (copiedSummary.domains[name]?.count ?? 0))
        }
        mismatches = Self.differences(
            from: expectedSummary.records, to: targetSummary.records,
            missing: "missing in the target", extra: "in the target but not expected", changed: "differs in the target")
        sourceChanges = Self.differences(
            from: copiedSummary.records, to: afterSummary.records,
            missing: "removed from the source during the copy", extra: "added to the source during the copy",
            changed: "changed in the source during the copy")
        sourceVersions = (copied.version, after.version)
        sourceTotal = afterSummary.total
        targetTotal = targetSummary.total
    }

    /// One line per record that is not in both maps alike, in key order.
    private static func differences(
        from wanted: [AddressKey: StoredAddress], to found: [AddressKey: StoredAddress], missing: String, extra: String,
        changed: String
    ) -> [String] {
        Set(wanted.keys).union(found.keys).sorted().compactMap { key in
            switch (wanted[key], found[key]) {
            case (let want?, let have?):
                let fields = RecordDigest.differences(want, have)
                return fields.isEmpty ? nil : "\(have.record.address): \(changed) (\(fields.joined(separator: ", ")))"
            case (let want?, nil): return "\(want.record.address): \(missing)"
            case (nil, let have?): return "\(have.record.address): \(extra)"
            case (nil, nil): return nil
            }
        }
    }

    /// The report: a table of domains (counts and the first 16 hex digits of each side's digest), then any
    /// mismatched and changed records (the first `limit` of each).
    public func report(source: String, target: String, limit: Int = 20) -> [String] {
        var lines = ["validation: \(source) (source, version \(sourceVersions.after)) against \(target) (target)"]
        let width = max(6, domains.map(\.domain.count).max() ?? 0)
        func row(_ cells: [String], _ status: String) -> String {
            let padded = [cells[0].padding(toLength: width, withPad: " ", startingAt: 0)]
                + [cells[1], cells[2]].map { String(repeating: " ", count: max(0, 8 - $0.count)) + $0 }
                + [cells[3], cells[4]].map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }
            return ("  " + padded.joined(separator: "  ") + "  " + status).trimmingTrailingSpaces()
        }
        lines.append(row(["domain", "source", "target", "source digest", "target digest"], ""))
        for line in domains {
            var status = line.passed ? "ok" : "MISMATCH"
            if line.passed, line.kept > 0 { status += " (+\(line.kept) kept from the target)" }
            lines.append(
                row(
                    [
                        line.domain, String(line.sourceCount), String(line.targetCount),
                        line.sourceDigest.map { String($0.prefix(16)) } ?? "-",
                        line.targetDigest.map { String($0.prefix(16)) } ?? "-",
                    ], status))
        }
        lines.append(row(["all", String(sourceTotal), String(targetTotal), "", ""], passed ? "ok" : "MISMATCH"))
        if !mismatches.isEmpty {
            lines.append("records not as copied (\(mismatches.count)):")
            lines += Self.limited(mismatches, limit)
        }
        if sourceChanged {
            lines.append(
                "the source changed during the copy (version \(sourceVersions.copied) -> \(sourceVersions.after)), "
                    + "\(sourceChanges.count) records:")
            lines += Self.limited(sourceChanges, limit)
        }
        return lines
    }

    private static func limited(_ entries: [String], _ limit: Int) -> [String] {
        entries.prefix(limit).map { "  " + $0 } + (entries.count > limit ? ["  … and \(entries.count - limit) more"] : [])
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
