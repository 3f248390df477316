import Foundation
import Synchronization

/// The offset between this machine's clock and AWS's, learnt from a `RequestTimeTooSkewed` response.
///
/// A signature is only valid within minutes of AWS's time. When AWS says the clock is off, the `Date` header of
/// its answer says by how much; every later request is signed with the corrected time, as the SDKs do.
final class ClockCorrection: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    private let systemNow: @Sendable () -> Date

    init(systemNow: @escaping @Sendable () -> Date = { Date() }) {
        self.systemNow = systemNow
    }

    /// The time to sign with.
    func now() -> Date {
        systemNow().addingTimeInterval(offset.withLock { $0 })
    }

    var currentOffset: TimeInterval { offset.withLock { $0 } }

    /// Adopts the server's clock from an HTTP `Date` header; false when the header cannot be read.
    @discardableResult
    func correct(serverDate header: String) -> Bool {
        guard let serverDate = HTTPDate.parse(header) else { return false }
        let difference = serverDate.timeIntervalSince(systemNow())
        offset.withLock { $0 = difference }
        return true
    }
}

/// The HTTP `Date` header format (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Date? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT", let day = Int(fields[1]),
            let monthIndex = months.firstIndex(of: String(fields[2])), let year = Int(fields[3])
        else { return nil }
        let time = fields[4].split(separator: ":")
        guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2]),
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return UTCDateTime(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
            .date
    }

    static func format(_ date: Date) -> String {
        let time = UTCDateTime(date)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday.
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let weekday = weekdays[((days % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(time.day)) \(months[time.month - 1]) \(time.year) "
            + "\(two(time.hour)):\(two(time.minute)):\(two(time.second)) GMT"
    }
}
