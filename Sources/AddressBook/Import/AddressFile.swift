import Federation
import Foundation

/// Address files for bulk import (and export), in two formats:
///
/// CSV (RFC 4180, UTF-8, a BOM allowed): a header row naming the columns, then one address per row.
/// ```
/// address,account_id,memo_type,memo
/// bob*example.org,GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ,id,123
/// alice*example.org,GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG,,
/// "shop*example.org",GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG,text,"order, 42"
/// ```
/// `address` and `account_id` are required columns, `memo_type` and `memo` optional; any order. Fields may be
/// quoted (`""` is a quote inside quotes); spaces around unquoted fields are ignored; blank lines are skipped.
///
/// JSON: an array of objects with the same keys; `memo_type` and `memo` may be absent or null. Memos are
/// strings, ids too (`"123"`), because JSON numbers lose digits above 2^53.
/// ```
/// [{"address": "bob*example.org", "account_id": "GCIB…", "memo_type": "id", "memo": "123"}]
/// ```
///
/// Reading checks every row and reports every bad one (``ImportError``), so one run shows all that needs fixing;
/// a file with any problem yields nothing, and the store then imports all rows in one transaction or none.
public enum AddressFile {
    public enum Format: String, Hashable, Sendable {
        case csv, json

        /// The format a file name implies (`.csv`, `.json`), if any.
        public init?(path: String) {
            self.init(rawValue: URL(fileURLWithPath: path).pathExtension.lowercased())
        }
    }

    static let columns = ["address", "account_id", "memo_type", "memo"]

    /// Reads a file; the format comes from its extension unless given.
    public static func read(path: String, format: Format? = nil) throws(ImportError) -> [AddressRecord] {
        guard let format = format ?? Format(path: path) else {
            throw ImportError(source: path, problems: [.init(location: "", message: "unknown format; name the file .csv or .json")])
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ImportError(source: path, problems: [.init(location: "", message: "cannot read it: \(reason)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImportError(source: path, problems: [.init(location: "", message: "it is not UTF-8 text; save it as UTF-8")])
        }
        return try parse(text, format: format, source: path)
    }

    public static func parse(_ text: String, format: Format, source: String) throws(ImportError) -> [AddressRecord] {
        // Rows that could be read, and the problems of those that could not; a file that cannot be read at all
        // (no header, broken quoting, not JSON) throws at once.
        let (rows, unreadable) = format == .csv ? try csvRows(text, source: source) : try jsonRows(text, source: source)
        var problems = unreadable
        var records: [AddressRecord] = []
        var firstSeen: [AddressKey: String] = [:]
        for row in rows {
            do {
                let record = try AddressRecord(
                    address: row.fields["address"] ?? "", accountID: row.fields["account_id"] ?? "",
                    memoType: row.fields["memo_type"], memo: row.fields["memo"])
                if let earlier = firstSeen[record.address.key] {
                    problems.append(
                        .init(location: row.location, message: "\(record.address) is already on \(earlier) (names match ignoring case)"))
                    continue
                }
                firstSeen[record.address.key] = row.location
                records.append(record)
            } catch {
                problems.append(.init(location: row.location, message: error.description))
            }
        }
        guard problems.isEmpty else {
            throw ImportError(source: source, problems: problems.sorted { $0.sortKey < $1.sortKey })
        }
        return records
    }

    /// The records as CSV in the import format, one per row, ready to be imported again.
    public static func csv(_ records: [AddressRecord]) -> String {
        var lines = [columns.joined(separator: ",")]
        for record in records {
            let fields = [
                record.address.description, record.accountID.description, record.memo?.type.rawValue ?? "",
                record.memo?.value ?? "",
            ]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == " " }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One address's fields by column name, and where it was (`line 3`, `entry 2`).
    struct Row {
        var location: String
        var fields: [String: String]
    }

    private static func csvRows(_ text: String, source: String) throws(ImportError) -> ([Row], [ImportError.Problem]) {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader.records(in: text)
        } catch {
            throw ImportError(source: source, problems: [.init(location: "line \(error.line)", message: error.message)])
        }
        let nonBlank = records.filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        guard let header = nonBlank.first else {
            throw ImportError(source: source, problems: [.init(location: "", message: "the file is empty; it needs a header row")])
        }
        let names = header.fields.map { $0.lowercased() }
        var headerProblems: [String] = []
        for name in names where !columns.contains(name) {
            headerProblems.append("unknown column \"\(name)\" (known: \(columns.joined(separator: ", ")))")
        }
        for name in Set(names) where names.filter({ $0 == name }).count > 1 { headerProblems.append("column \"\(name)\" appears twice") }
        for required in ["address", "account_id"] where !names.contains(required) {
            headerProblems.append("the header has no \(required) column")
        }
        guard headerProblems.isEmpty else {
            throw ImportError(
                source: source,
                problems: headerProblems.sorted().map {
                    .init(location: "line \(header.line)", message: "\($0); the header is address,account_id,memo_type,memo")
                })
        }
        var rows: [Row] = []
        var problems: [ImportError.Problem] = []
        for record in nonBlank.dropFirst() {
            guard record.fields.count == names.count else {
                problems.append(
                    .init(location: "line \(record.line)", message: "has \(record.fields.count) fields; the header has \(names.count)"))
                continue
            }
            rows.append(Row(location: "line \(record.line)", fields: Dictionary(uniqueKeysWithValues: zip(names, record.fields))))
        }
        return (rows, problems)
    }

    private static func jsonRows(_ text: String, source: String) throws(ImportError) -> ([Row], [ImportError.Problem]) {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw ImportError(source: source, problems: [.init(location: "", message: "not valid JSON: \(reason)")])
        }
        guard let entries = document as? [Any] else {
            throw ImportError(
                source: source, problems: [.init(location: "", message: "expected a JSON array of address objects")])
        }
        var rows: [Row] = []
        var problems: [ImportError.Problem] = []
        for (index, entry) in entries.enumerated() {
            let location = "entry \(index + 1)"
            guard let object = entry as? [String: Any] else {
                problems.append(.init(location: location, message: "expected an object with address and account_id"))
                continue
            }
            var fields: [String: String] = [:]
            var entryProblems: [String] = []
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard columns.contains(key) else {
                    entryProblems.append("unknown key \"\(key)\" (known: \(columns.joined(separator: ", ")))")
                    continue
                }
                if value is NSNull { continue }
                guard let text = value as? String else {
                    entryProblems.append("\(key) must be a JSON string (write ids as \"123\": numbers lose digits)")
                    continue
                }
                fields[key] = text
            }
            if entryProblems.isEmpty {
                rows.append(Row(location: location, fields: fields))
            } else {
                problems.append(.init(location: location, message: entryProblems.joined(separator: "; ")))
            }
        }
        return (rows, problems)
    }
}

/// Every problem of an address file, each with its line (CSV) or entry (JSON).
public struct ImportError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Problem: Hashable, Sendable {
        /// `line 3`, `entry 2`, or empty for the whole file.
        public var location: String
        public var message: String

        /// Orders problems by position: the number in the location, then the text.
        var sortKey: (Int, String) { (Int(location.split(separator: " ").last ?? "") ?? 0, message) }
    }

    public var source: String
    public var problems: [Problem]

    public var description: String {
        let lines = problems.map { $0.location.isEmpty ? "  \($0.message)" : "  \($0.location): \($0.message)" }
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "\(source): \(count), nothing was imported:\n" + lines.joined(separator: "\n")
    }
}
