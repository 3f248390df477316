import Foundation

/// ISO 8601 / RFC 3339 date-times as AWS, moto and the snapshot file write them.
///
/// Real STS sends `2026-11-21T09:56:27Z`, moto adds microseconds (`…27.181570Z`) and some services send an offset
/// instead of `Z`; all of them parse. Formatting always produces whole seconds in UTC with `Z`.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date(trimmed, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        // Fractions longer than milliseconds are not accepted by every Foundation; drop the digits past three.
        if let dot = trimmed.firstIndex(of: ".") {
            let digitsEnd = trimmed[trimmed.index(after: dot)...].firstIndex { !$0.isNumber } ?? trimmed.endIndex
            let digits = trimmed[trimmed.index(after: dot)..<digitsEnd]
            guard !digits.isEmpty else { return nil }
            let shortened = String(trimmed[..<dot]) + "." + digits.prefix(3) + trimmed[digitsEnd...]
            return try? Date(shortened, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        return nil
    }

    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}
