/// EC2's request-rate model, kept on our side so that our own calls never exceed it.
///
/// From "Request throttling for the Amazon EC2 API"
/// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, "Request rate limiting" and "Request
/// token bucket sizes and refill rates"): EC2 throttles each account per Region, per API action, with a token
/// bucket. Every request takes one token; a bucket below its capacity gets `refill` tokens back every second, up to
/// its capacity; a request that finds it empty fails with `RequestLimitExceeded`. The documented sizes:
///
/// | actions | capacity | refill per second |
/// |---|---|---|
/// | non-mutating (`Describe*`, `List*`, `Search*`, `Get*`) | 100 | 20 |
/// | unfiltered and unpaginated non-mutating (`DescribeInstances` without `MaxResults` or filters, ...) | 50 | 10 |
/// | mutating (`StartInstances`, ...) | 50 | 5 |
///
/// fedns always paginates and filters `DescribeInstances`, so its calls are in the first row. A client-side bucket
/// of the same size, starting full, only lets a request through when EC2's bucket (drained by no one else) also
/// has a token for it.
///
/// The bucket is also adaptive, because other clients (the console, Terraform, other tools) draw on the same EC2
/// bucket: when EC2 throttles anyway, the refill rate is halved (at most once a second, since answers to requests
/// sent before the cut carry no news), down to a floor, and the capacity shrinks with it so no full burst follows;
/// then the rate climbs back linearly over `recovery` seconds. That is the additive-increase, multiplicative-decrease
/// shape of the SDKs' "adaptive" retry mode, without its CUBIC curve.
///
/// Times are seconds on a monotonic clock the caller supplies, so tests drive it without sleeping.
public struct TokenBucket: Sendable, Hashable {
    /// A bucket's size and refill rate.
    public struct Limits: Sendable, Hashable {
        public var capacity: Double
        public var refillPerSecond: Double

        public init(capacity: Double, refillPerSecond: Double) {
            self.capacity = max(1, capacity)
            self.refillPerSecond = max(0.001, refillPerSecond)
        }

        /// EC2's non-mutating actions (`Describe*`, `Get*`, `List*`, `Search*`), paginated or filtered.
        public static let ec2NonMutating = Limits(capacity: 100, refillPerSecond: 20)
        /// EC2's mutating actions (`StartInstances`, ...).
        public static let ec2Mutating = Limits(capacity: 50, refillPerSecond: 5)
    }

    /// How the rate reacts to throttling from AWS.
    public struct Adaptation: Sendable, Hashable {
        /// The rate is multiplied by this on a throttle.
        public var decrease: Double
        /// The rate never goes below this fraction of the configured one.
        public var floorFraction: Double
        /// Seconds for the rate to climb from zero back to the configured one (linearly; from half: half of it).
        public var recovery: Double
        /// Throttles this soon after a cut do not cut again.
        public var quietPeriod: Double

        public init(decrease: Double = 0.5, floorFraction: Double = 1.0 / 32, recovery: Double = 120, quietPeriod: Double = 1) {
            self.decrease = min(max(decrease, 0.01), 1)
            self.floorFraction = min(max(floorFraction, 0.001), 1)
            self.recovery = max(recovery, 0.001)
            self.quietPeriod = max(quietPeriod, 0)
        }
    }

    public let limits: Limits
    public let adaptation: Adaptation
    /// Tokens in the bucket now. Below zero: requests already promised a token that has not refilled yet (they
    /// are waiting), so later callers queue behind them.
    public private(set) var tokens: Double
    /// The refill rate now: `limits.refillPerSecond`, or less after throttling.
    public private(set) var rate: Double
    private var updated: Double
    private var lastCut: Double?

    /// A full bucket at `now`, as EC2's is when nothing has been asked for a while.
    public init(limits: Limits, adaptation: Adaptation = Adaptation(), now: Double) {
        self.limits = limits
        self.adaptation = adaptation
        tokens = limits.capacity
        rate = limits.refillPerSecond
        updated = now
    }

    /// Whether the rate is below the configured one (AWS throttled recently).
    public var isSlowed: Bool { rate < limits.refillPerSecond }

    /// The capacity at the current rate: scaled down with it, so a slowed bucket does not refill into a burst.
    public var capacity: Double { max(1, limits.capacity * rate / limits.refillPerSecond) }

    /// Takes one token and returns how many seconds the caller must wait before sending: zero when a token was
    /// there, else the time until the refill reaches its place in the queue.
    public mutating func take(at now: Double) -> Double {
        advance(to: now)
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }

    /// AWS throttled a request anyway: cut the rate (once per quiet period) and empty the bucket, so the next
    /// request waits for a refill at the lower rate.
    public mutating func throttled(at now: Double) {
        advance(to: now)
        if lastCut.map({ now - $0 >= adaptation.quietPeriod }) ?? true {
            rate = max(limits.refillPerSecond * adaptation.floorFraction, rate * adaptation.decrease)
            lastCut = now
        }
        tokens = min(tokens, 0)
    }

    /// Refills for the time passed, at the rate of that time, then lets the rate recover for it.
    private mutating func advance(to now: Double) {
        let elapsed = max(0, now - updated)
        updated = max(updated, now)
        tokens = min(capacity, tokens + elapsed * rate)
        if rate < limits.refillPerSecond {
            rate = min(limits.refillPerSecond, rate + elapsed * limits.refillPerSecond / adaptation.recovery)
        }
    }
}
