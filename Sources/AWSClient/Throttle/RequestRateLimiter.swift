import Logging
import Synchronization

/// Which request buckets a call draws on: EC2 keeps one per account, per Region, per API action.
public struct RateLimitKey: Sendable, Hashable, CustomStringConvertible {
    /// The account, as the caller names it (a profile name, or an account id); calls with the same identity and
    /// region share buckets.
    public var identity: String
    public var region: String
    public var action: String

    public init(identity: String, region: String, action: String) {
        self.identity = identity
        self.region = region
        self.action = action
    }

    public var description: String { "\(identity)/\(region) \(action)" }
}

/// The bucket sizes the client keeps to, per kind of action. Defaults: EC2's documented ones (see `TokenBucket`).
public struct RequestLimits: Sendable, Hashable {
    public var nonMutating: TokenBucket.Limits
    public var mutating: TokenBucket.Limits
    public var adaptation: TokenBucket.Adaptation

    public init(
        nonMutating: TokenBucket.Limits = .ec2NonMutating, mutating: TokenBucket.Limits = .ec2Mutating,
        adaptation: TokenBucket.Adaptation = TokenBucket.Adaptation()
    ) {
        self.nonMutating = nonMutating
        self.mutating = mutating
        self.adaptation = adaptation
    }

    /// EC2 counts `Describe*`, `Get*`, `List*` and `Search*` as non-mutating; everything else as mutating.
    public func limits(forAction action: String) -> TokenBucket.Limits {
        let reading = ["Describe", "Get", "List", "Search"].contains { action.hasPrefix($0) }
        return reading ? nonMutating : mutating
    }
}

/// AWS throttled a call despite the client-side limit: what a caller (metrics, tests) is told.
public struct ThrottleEvent: Sendable, Hashable {
    public var key: RateLimitKey
    /// The key's request rate after the cut, per second.
    public var rate: Double
}

/// The client-side request limit: one adaptive `TokenBucket` per account, region and action, shared by every client
/// of a session. `acquire` waits for a token before each attempt (retries included: EC2 charges them too);
/// `throttled` cuts the key's rate when AWS throttles anyway.
final class RequestRateLimiter: Sendable {
    let limits: RequestLimits
    private let buckets = Mutex<[RateLimitKey: TokenBucket]>([:])
    private let logger: Logger
    private let now: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - now: seconds on a monotonic clock; tests pass their own.
    ///   - sleep: how a caller waits for its token; tests pass one that advances their clock.
    init(
        limits: RequestLimits, logger: Logger, now: @escaping @Sendable () -> Double = RequestRateLimiter.monotonicSeconds,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.limits = limits
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// Waits until `key`'s bucket has a token for this request. Throws only when the task is cancelled.
    func acquire(_ key: RateLimitKey) async throws {
        let time = now()
        let (wait, recovered) = withBucket(key, at: time) { bucket in
            let wasSlowed = bucket.isSlowed
            let wait = bucket.take(at: time)
            return (wait, wasSlowed && !bucket.isSlowed)
        }
        if recovered {
            logger.info("AWS request rate back to its configured limit", metadata: ["scope": "\(key)"])
        }
        if wait > 0 {
            try await sleep(.nanoseconds(Int64(wait * 1e9)))
        }
    }

    /// AWS throttled a request of `key`: slow that key down. Returns the rate now in force.
    @discardableResult
    func throttled(_ key: RateLimitKey) -> ThrottleEvent {
        let time = now()
        let (rate, wasSlowed) = withBucket(key, at: time) { bucket in
            let wasSlowed = bucket.isSlowed
            bucket.throttled(at: time)
            return (bucket.rate, wasSlowed)
        }
        if !wasSlowed {
            // Once per episode: the rate then recovers by itself, and the metric counts every throttle.
            logger.warning(
                "AWS is throttling requests; lowering the request rate for this account and region",
                metadata: ["scope": "\(key)", "rate_per_second": "\((rate * 100).rounded() / 100)"])
        }
        return ThrottleEvent(key: key, rate: rate)
    }

    /// Runs `body` on `key`'s bucket under the lock; a key used for the first time gets a full bucket of its kind.
    private func withBucket<Result: Sendable>(
        _ key: RateLimitKey, at time: Double, _ body: (inout TokenBucket) -> Result
    ) -> Result {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(limits: limits.limits(forAction: key.action), adaptation: limits.adaptation, now: time)
            let result = body(&bucket)
            buckets[key] = bucket
            return result
        }
    }

    /// The rate `key` is held to now, per second; nil when it has not been used.
    func rate(of key: RateLimitKey) -> Double? {
        buckets.withLock { $0[key]?.rate }
    }

    @Sendable static func monotonicSeconds() -> Double {
        let components = origin.duration(to: .now).components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    private static let origin = ContinuousClock.now
}
