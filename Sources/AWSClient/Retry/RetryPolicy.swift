/// The AWS SDKs' "standard" retry mode: a few attempts with capped, fully jittered exponential backoff.
///
/// Throttling, server errors (500/502/503/504) and transport failures are retried. Auth errors never are. Expired
/// credentials and clock skew get one extra try each after fixing the cause, outside this budget. The random
/// source and the sleep are injectable so that tests of the retry logic take milliseconds.
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

    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .seconds(1), maxBackoff: Duration = .seconds(20),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.random = random
        self.sleep = sleep
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
