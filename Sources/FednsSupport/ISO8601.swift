import Foundation

/// ISO 8601 / RFC 3339 date-times as AWS, moto and the snapshot file write them.
///
/// Real STS sends `2026-11-21T09:56:27Z`, moto adds microseconds (`…27.181570Z`) and some services send an offset
/// instead of `Z`; all of them parse. Formatting always produces whole seconds in UTC with `Z`.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        if let date = parseUTC(text.utf8) { return date }
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

    /// The form nearly every date takes here, `2026-11-21T09:56:27Z` or with a fraction (`…27.181570Z`), read
    /// directly: a snapshot of 1,000 instances has 1,000 of them, and the format style takes milliseconds for those,
    /// which the companion commands pay before ssh starts. Anything else (offsets, leap seconds) is left to it.
    static func parseUTC(_ text: String.UTF8View) -> Date? {
        let bytes = Array(text)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        let separators: [(Int, UInt8)] = [(4, 0x2D), (7, 0x2D), (10, 0x54), (13, 0x3A), (16, 0x3A)]  // - - T : :
        guard separators.allSatisfy({ bytes[$0.0] == $0.1 }), let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19), (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthLengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthLengths[month - 1]).contains(day) else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            // `.digits` between the seconds and the Z.
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
            var scale = 0.1
            for index in 20..<(bytes.count - 1) {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                fraction += Double(digit) * scale
                scale /= 10
            }
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let whole = UTCDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let seconds = Double(whole.secondsSince1970) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    public static func format(_ date: Date) -> String {
        String(decoding: formatBytes(date), as: UTF8.self)
    }

    /// `2026-11-21T09:56:27Z` as bytes, by arithmetic (the format style took microseconds, and every instance of
    /// every zone compile has a launch time to write).
    public static func formatBytes(_ date: Date) -> [UInt8] {
        let time = UTCDateTime(date)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = max(0, value)
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(time.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(time.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(time.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(time.hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(time.minute, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(time.second, 2)
        bytes.append(UInt8(ascii: "Z"))
        return bytes
    }
}
