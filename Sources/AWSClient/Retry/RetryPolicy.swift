/// The AWS SDKs' "standard" retry mode: a few attempts with capped, fully jittered exponential backoff.
///
/// Throttling, server errors (500/502/503/504) and transport failures are retried. Auth errors never are. Expired
/// credentials and clock skew get one extra try each after fixing the cause, outside this budget. Throttling may
/// also be retried past `maxAttempts` for `throttlingRetryWindow` (a refresher that would rather finish late than
/// fail; the client-side rate limiter meanwhile slows the calls down). The random source, the clock and the sleep
/// are injectable so that tests of the retry logic take milliseconds.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first one included.
    public var maxAttempts: Int
    /// The backoff before the first retry is at most this; each retry doubles it.
    public var baseDelay: Duration
    /// No single backoff exceeds this.
    public var maxBackoff: Duration
    /// A number in 0...1; the backoff is that fraction of the cap ("full jitter").
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Throttled calls are retried, with the same backoff, until this long after their first attempt, even past
    /// `maxAttempts`. Zero: throttling counts against `maxAttempts` like any retryable failure (the SDKs' way).
    public var throttlingRetryWindow: Duration
    /// The clock `throttlingRetryWindow` is measured on.
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .seconds(1), maxBackoff: Duration = .seconds(20),
        throttlingRetryWindow: Duration = .zero,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.throttlingRetryWindow = throttlingRetryWindow
        self.random = random
        self.sleep = sleep
        self.now = now
    }

    /// Whether a call that has failed `failures` times in a retryable way, the last one of `category`, and began at
    /// `started`, may try again.
    func allowsRetry(after failures: Int, category: ErrorCategory, startedAt started: ContinuousClock.Instant) -> Bool {
        guard category.isRetryable else { return false }
        if failures < maxAttempts { return true }
        return category == .throttling && now() - started < throttlingRetryWindow
    }

    public static var standard: RetryPolicy { RetryPolicy() }

    /// The wait after failed attempt `attempt` (1 for the first): `random * min(2^(attempt-1) * base, cap)`.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let multiplier = Double(1 << min(max(attempt - 1, 0), 30))
        let base = Double(baseDelay.nanoseconds) / 1e9
        let cap = Double(maxBackoff.nanoseconds) / 1e9
        let fraction = min(1, max(0, random()))
        return .nanoseconds(Int64(fraction * min(multiplier * base, cap) * 1e9))
    }
}
