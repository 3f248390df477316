import FednsSupport
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

    /// Adopts the server's clock from an HTTP `Date` header. Returns the offset it replaced, or nil when the header
    /// cannot be read: requests in flight together (one per scope) all learn the same skew, and only the one that
    /// actually moved the clock needs to say so.
    func correct(serverDate header: String) -> TimeInterval? {
        guard let serverDate = HTTPDate.parse(header) else { return nil }
        let difference = serverDate.timeIntervalSince(systemNow())
        return offset.withLock { offset in
            defer { offset = difference }
            return offset
        }
    }
}
