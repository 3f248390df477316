import NIOCore

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Per-key rate limits (token buckets): each key may make `perMinute` requests in a burst, and gets them back at
/// `perMinute` per minute. Keys are client addresses (an IPv6 client by its /64, which one subscriber usually has
/// whole) or accounts.
///
/// Memory is bounded: at ``maximumKeys`` the buckets that have refilled completely (clients quiet for a minute) are
/// forgotten; if all are still in use, new keys are refused until some refill. That fails closed under a flood of
/// addresses, which is the case the limit exists for.
final class RequestLimiter: Sendable {
    static let maximumKeys = 100_000

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let perMinute: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Takes one request from `key`'s bucket at time `now` (seconds). Nil when admitted; otherwise the whole seconds
    /// to wait (`Retry-After`).
    func admit(_ key: String, now: Double) -> Int? {
        let capacity = Double(perMinute)
        let rate = capacity / 60
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now - bucket.updated) * rate)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            if buckets[key] == nil, buckets.count >= Self.maximumKeys {
                buckets = buckets.filter { _, old in old.tokens + (now - old.updated) * rate < capacity }
                guard buckets.count < Self.maximumKeys else { return 60 }
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }

    /// How many keys are tracked (for tests).
    var count: Int { buckets.withLock { $0.count } }

    /// The key of a client address: IPv4 whole, IPv6 by its /64, anything else (a test channel) as one key.
    static func clientKey(_ address: SocketAddress?) -> String {
        switch address {
        case .v4?:
            return address?.ipAddress ?? "unknown"
        case .v6(let v6)?:
            let prefix = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0.prefix(8)) }
            return stride(from: 0, to: 8, by: 2).map { String(UInt16(prefix[$0]) << 8 | UInt16(prefix[$0 + 1]), radix: 16) }
                .joined(separator: ":") + "::/64"
        default:
            return "unknown"
        }
    }
}
