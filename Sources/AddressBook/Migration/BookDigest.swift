import Crypto
import Federation
import Foundation

/// A whole address book as read in one transaction: what a migration copies and compares.
struct BookContents: Sendable {
    /// The store's change counter when the records were read.
    var version: Int64
    var records: [StoredAddress]
}

/// The digest of one stored record: SHA-256 over every column the store keeps (domain, name key, name as entered,
/// account, memo type and value, the order it was added in, creation and update times), each field length-prefixed
/// so that no two different records can encode alike. Equal digests on both sides mean an exact copy.
enum RecordDigest {
    static func of(_ stored: StoredAddress) -> SHA256Digest {
        var hasher = SHA256()
        for field in fields(of: stored) {
            guard let field else {
                hasher.update(data: Data("-;".utf8))
                continue
            }
            let bytes = Data(field.utf8)
            hasher.update(data: Data("\(bytes.count):".utf8))
            hasher.update(data: bytes)
            hasher.update(data: Data(";".utf8))
        }
        return hasher.finalize()
    }

    /// The columns in a fixed order; nil for an absent memo.
    static func fields(of stored: StoredAddress) -> [String?] {
        let record = stored.record
        return [
            record.address.domain.description, record.address.name.key, record.address.name.text,
            record.accountID.description, record.memo?.type.rawValue, record.memo?.value, String(stored.addedAt),
            String(milliseconds(stored.created)), String(milliseconds(stored.updated)),
        ]
    }

    /// The names of the columns that differ between two versions of one record, for a mismatch report.
    static func differences(_ lhs: StoredAddress, _ rhs: StoredAddress) -> [String] {
        let names = ["domain", "name_key", "name", "account_id", "memo_type", "memo", "added_at", "created_at", "updated_at"]
        return zip(names, zip(fields(of: lhs), fields(of: rhs))).compactMap { name, pair in pair.0 == pair.1 ? nil : name }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}

/// What is compared between two books: for each domain, the number of records and one digest over all of its
/// records' digests in key order; and each record by key, to name the ones that differ.
struct BookSummary: Sendable, Equatable {
    struct Domain: Sendable, Equatable {
        var count: Int
        /// Hex SHA-256 over the domain's record digests in key order.
        var digest: String
    }

    var domains: [String: Domain]
    var records: [AddressKey: StoredAddress]
    var total: Int { records.count }
    /// Over every record of every domain, in key order.
    var digest: String

    init(_ stored: [StoredAddress]) {
        var records: [AddressKey: StoredAddress] = [:]
        for entry in stored { records[entry.record.address.key] = entry }
        self.records = records
        var byDomain: [String: SHA256] = [:]
        var counts: [String: Int] = [:]
        var all = SHA256()
        for key in records.keys.sorted() {
            guard let entry = records[key] else { continue }
            let digest = RecordDigest.of(entry)
            byDomain[key.domain.description, default: SHA256()].update(data: Data(digest))
            counts[key.domain.description, default: 0] += 1
            all.update(data: Data(digest))
        }
        domains = byDomain.mapValues { hasher in Domain(count: 0, digest: Self.hex(hasher.finalize())) }
        for (domain, count) in counts { domains[domain]?.count = count }
        digest = Self.hex(all.finalize())
    }

    static func hex(_ digest: SHA256Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
