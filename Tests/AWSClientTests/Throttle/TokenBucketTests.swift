import Logging
import Synchronization
import Testing

@testable import AWSClient

/// A clock the tests move by hand; `sleep` moves it instead of waiting, so no test here sleeps.
final class ManualClock: Sendable {
    private let seconds = Mutex(0.0)
    private let slept = Mutex<[Double]>([])

    var now: Double { seconds.withLock { $0 } }
    var sleeps: [Double] { slept.withLock { $0 } }

    func advance(by delta: Double) { seconds.withLock { $0 += delta } }

    func limiter(_ limits: RequestLimits = RequestLimits()) -> RequestRateLimiter {
        RequestRateLimiter(
            limits: limits, logger: Logger(label: "test"), now: { self.now },
            sleep: { duration in
                let delta = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                self.slept.withLock { $0.append(delta) }
                self.advance(by: delta)
            })
    }
}

@Suite("EC2's token bucket on the client side, and its adaptive slow-down")
struct TokenBucketTests {
    static let ec2 = TokenBucket.Limits.ec2NonMutating

    @Test("a full bucket lets its capacity through at once; the next request waits for one refill")
    func burstThenRefill() {
        var bucket = TokenBucket(limits: Self.ec2, now: 0)
        let waits = (0..<101).map { _ in bucket.take(at: 0) }
        #expect(waits.prefix(100).allSatisfy { $0 == 0 })
        #expect(abs(waits[100] - 1.0 / 20) < 1e-9)
        // Queued callers wait one refill interval more each: the 102nd waits two.
        #expect(abs(bucket.take(at: 0) - 2.0 / 20) < 1e-9)
    }

    @Test(
        "requests sent as soon as allowed never exceed capacity + rate x time, whatever the limits",
        arguments: [
            TokenBucket.Limits.ec2NonMutating, .ec2Mutating, TokenBucket.Limits(capacity: 5, refillPerSecond: 2),
            TokenBucket.Limits(capacity: 1, refillPerSecond: 0.5),
        ])
    func sustainedRateStaysUnderTheBucket(limits: TokenBucket.Limits) {
        var bucket = TokenBucket(limits: limits, now: 0)
        var now = 0.0
        var sent: [Double] = []
        while now < 30 {
            now += bucket.take(at: now)
            sent.append(now)
        }
        // EC2's own bucket, replayed over the send times, never runs dry: no request would be throttled.
        var ec2Tokens = limits.capacity
        var last = 0.0
        for time in sent {
            ec2Tokens = min(limits.capacity, ec2Tokens + (time - last) * limits.refillPerSecond)
            last = time
            ec2Tokens -= 1
            #expect(ec2Tokens > -1e-6, "request at \(time) s would have been throttled")
        }
        let inThirtySeconds = sent.filter { $0 <= 30 }.count
        #expect(Double(inThirtySeconds) <= limits.capacity + 30 * limits.refillPerSecond + 1)
        #expect(Double(inThirtySeconds) >= limits.capacity + 29 * limits.refillPerSecond)
    }

    @Test("an idle bucket refills to its capacity and no further")
    func refillIsCapped() {
        var bucket = TokenBucket(limits: Self.ec2, now: 0)
        for _ in 0..<100 { _ = bucket.take(at: 0) }
        #expect(bucket.take(at: 2) == 0)  // 40 tokens back after 2 s
        #expect(abs(bucket.tokens - 39) < 1e-9)
        _ = bucket.take(at: 3600)
        #expect(abs(bucket.tokens - 99) < 1e-9)
    }

    @Test("a throttle halves the rate, empties the bucket and shrinks the burst")
    func throttleCutsTheRate() {
        var bucket = TokenBucket(limits: Self.ec2, now: 0)
        _ = bucket.take(at: 0)
        bucket.throttled(at: 0)
        #expect(bucket.rate == 10)
        #expect(bucket.isSlowed)
        #expect(bucket.tokens <= 0)
        #expect(abs(bucket.take(at: 0) - 1.0 / 10) < 1e-9)
        #expect(bucket.capacity == 50)
    }

    @Test("throttles within the quiet period cut once; later ones cut again, down to the floor")
    func quietPeriodAndFloor() {
        var bucket = TokenBucket(limits: Self.ec2, now: 0)
        bucket.throttled(at: 0)
        bucket.throttled(at: 0.2)
        bucket.throttled(at: 0.9)
        #expect(abs(bucket.rate - (10 + 0.9 * 20 / 120)) < 1e-9)  // one cut, plus 0.9 s of recovery
        var now = 1.0
        for _ in 0..<20 {
            bucket.throttled(at: now)
            now += 1
        }
        #expect(abs(bucket.rate - 20.0 / 32) < 1e-9)  // the floor: 1/32 of the configured rate
    }

    @Test(
        "the rate recovers linearly to the configured one, and no further",
        arguments: [(30.0, 15.0), (60.0, 20.0), (600.0, 20.0)])
    func recovery(after seconds: Double, rate expected: Double) {
        var bucket = TokenBucket(limits: Self.ec2, now: 0)
        bucket.throttled(at: 0)
        _ = bucket.take(at: seconds)
        #expect(abs(bucket.rate - expected) < 1e-9)
        #expect(bucket.isSlowed == (expected < 20))
    }

    @Test("limits: Describe/Get/List/Search are non-mutating (100, 20/s), the rest mutating (50, 5/s)")
    func limitsByAction() {
        let limits = RequestLimits()
        for action in ["DescribeInstances", "DescribeRegions", "GetConsoleOutput", "ListImagesInRecycleBin", "SearchLocalGatewayRoutes"] {
            #expect(limits.limits(forAction: action) == .ec2NonMutating)
        }
        for action in ["StartInstances", "RunInstances", "CreateTags"] {
            #expect(limits.limits(forAction: action) == .ec2Mutating)
        }
    }
}

@Suite("The rate limiter: one bucket per account, region and action")
struct RequestRateLimiterTests {
    static let key = RateLimitKey(identity: "prod", region: "eu-west-1", action: "DescribeInstances")

    @Test("waits only once the key's bucket is empty, for one refill interval per request")
    func waitsWhenEmpty() async throws {
        let clock = ManualClock()
        let limiter = clock.limiter(RequestLimits(nonMutating: .init(capacity: 3, refillPerSecond: 2)))
        for _ in 0..<5 { try await limiter.acquire(Self.key) }
        #expect(clock.sleeps == [0.5, 0.5])
        #expect(clock.now == 1.0)
    }

    @Test("other accounts, regions and actions have buckets of their own")
    func keysAreIndependent() async throws {
        let clock = ManualClock()
        let limiter = clock.limiter(RequestLimits(nonMutating: .init(capacity: 1, refillPerSecond: 1)))
        let others = [
            RateLimitKey(identity: "staging", region: "eu-west-1", action: "DescribeInstances"),
            RateLimitKey(identity: "prod", region: "us-east-1", action: "DescribeInstances"),
            RateLimitKey(identity: "prod", region: "eu-west-1", action: "DescribeRegions"),
        ]
        try await limiter.acquire(Self.key)
        for key in others { try await limiter.acquire(key) }
        #expect(clock.sleeps.isEmpty)
        try await limiter.acquire(Self.key)
        #expect(clock.sleeps == [1])
    }

    @Test("a throttle slows that key alone, and it recovers with time")
    func throttleSlowsOneKey() async throws {
        let clock = ManualClock()
        let limiter = clock.limiter()
        let other = RateLimitKey(identity: "staging", region: "eu-west-1", action: "DescribeInstances")
        try await limiter.acquire(Self.key)
        try await limiter.acquire(other)
        let event = limiter.throttled(Self.key)
        #expect(event.rate == 10)
        #expect(limiter.rate(of: Self.key) == 10)
        #expect(limiter.rate(of: other) == 20)
        try await limiter.acquire(Self.key)
        #expect(clock.sleeps == [0.1])
        clock.advance(by: 120)
        try await limiter.acquire(Self.key)
        #expect(limiter.rate(of: Self.key) == 20)
    }
}
