import FednsSupport
import Foundation
import Synchronization
import Testing

@testable import AWSClient

/// Records the backoffs a retry loop asks for instead of sleeping, so these tests take milliseconds.
final class SleepRecorder: Sendable {
    private let recorded = Mutex<[Duration]>([])
    var delays: [Duration] { recorded.withLock { $0 } }

    func policy(maxAttempts: Int = 3, random: Double = 1) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, baseDelay: .seconds(1), maxBackoff: .seconds(20), random: { random },
            sleep: { delay in self.recorded.withLock { $0.append(delay) } })
    }
}

/// Canned EC2 answers for the stub.
enum EC2Responses {
    static func instances(_ ids: [String], nextToken: String? = nil) -> String {
        let items = ids.map { "<item><instanceId>\($0)</instanceId></item>" }.joined()
        return "<DescribeInstancesResponse><reservationSet><item><ownerId>123456789012</ownerId>"
            + "<instancesSet>\(items)</instancesSet></item></reservationSet>"
            + (nextToken.map { "<nextToken>\($0)</nextToken>" } ?? "") + "</DescribeInstancesResponse>"
    }

    static func error(_ code: String, _ message: String = "details") -> String {
        "<Response><Errors><Error><Code>\(code)</Code><Message>\(message)</Message></Error></Errors>"
            + "<RequestID>req-1</RequestID></Response>"
    }

    static let throttled = StubHTTPServer.Reply.respond(
        status: 503, body: error("RequestLimitExceeded", "Request limit exceeded."))
}

@Suite("Retries, clock skew and expired tokens against a stub endpoint")
struct RetryTests {
    static let credentials = StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDSTUB", secretAccessKey: "s"))

    /// Runs `body` with an EC2 client pointed at a stub whose replies come from `replies` in order (the last
    /// one repeats).
    private func withEC2(
        _ replies: [StubHTTPServer.Reply], retry: RetryPolicy, requestTimeout: Duration = .seconds(5),
        credentials: any CredentialProvider = RetryTests.credentials,
        requestLimits: RequestLimits = RequestLimits(), throttleObserver: (@Sendable (ThrottleEvent) -> Void)? = nil,
        _ body: (EC2Client, StubHTTPServer, AWSSession) async throws -> Void
    ) async throws {
        let count = Mutex(0)
        try await StubHTTPServer.with({ _ in
            let index = count.withLock { value in defer { value += 1 }; return value }
            return replies[min(index, replies.count - 1)]
        }) { server in
            let configuration = AWSClientConfiguration(
                endpointOverrides: [.ec2: server.baseURL], requestTimeout: requestTimeout, retry: retry,
                requestLimits: requestLimits, throttleObserver: throttleObserver)
            try await withTestHome { home in
                try await withSession(home.environment(), configuration: configuration) { session in
                    try await body(session.ec2(credentials: credentials), server, session)
                }
            }
        }
    }

    @Test("503 RequestLimitExceeded twice, then success: three attempts with growing jittered backoff")
    func throttlingThenSuccess() async throws {
        let sleeps = SleepRecorder()
        try await withEC2(
            [EC2Responses.throttled, EC2Responses.throttled, .ok(EC2Responses.instances(["i-1"]))],
            retry: sleeps.policy(random: 0.5)
        ) { ec2, server, _ in
            let instances = try await ec2.describeInstances(region: "eu-west-1")
            #expect(instances.instanceIDs == ["i-1"])
            #expect(server.requests.count == 3)
            #expect(sleeps.delays == [.milliseconds(500), .seconds(1)])
        }
    }

    @Test("throttling on every attempt gives up after three with a throttling error")
    func throttlingExhausted() async throws {
        let sleeps = SleepRecorder()
        try await withEC2([EC2Responses.throttled], retry: sleeps.policy()) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .throttling)
            #expect(error?.code == "RequestLimitExceeded")
            #expect(error?.attempts == 3)
            #expect(error?.description.contains("after 3 attempts") == true)
            #expect(server.requests.count == 3)
            #expect(sleeps.delays == [.seconds(1), .seconds(2)])
        }
    }

    @Test("every throttling answer is reported and slows that account and region down; the call still succeeds")
    func throttlingSlowsTheKeyDown() async throws {
        let events = Mutex<[ThrottleEvent]>([])
        try await withEC2(
            [EC2Responses.throttled, EC2Responses.throttled, .ok(EC2Responses.instances(["i-1"]))],
            retry: SleepRecorder().policy(),
            // The limiter runs on the real clock: a quiet period longer than any loaded run keeps both throttles in
            // one episode (one second was seen to pass between them on a busy CI machine: two cuts, 5/s).
            requestLimits: RequestLimits(adaptation: TokenBucket.Adaptation(quietPeriod: 3600)),
            throttleObserver: { event in events.withLock { $0.append(event) } }
        ) { ec2, server, session in
            let ids = try await ec2.describeInstances(region: "eu-west-1").instanceIDs
            #expect(ids == ["i-1"])
            #expect(server.requests.count == 3)
            let key = RateLimitKey(identity: "default", region: "eu-west-1", action: "DescribeInstances")
            #expect(events.withLock { $0.map(\.key) } == [key, key])
            // Both throttles came within the quiet period: one cut, from EC2's 20/s to 10/s (recovering slowly since).
            #expect(session.context.limiter.rate(of: key).map { $0 < 20 && $0 >= 10 } == true)
            let other = RateLimitKey(identity: "default", region: "us-east-1", action: "DescribeInstances")
            #expect(session.context.limiter.rate(of: other) == nil)
        }
    }

    @Test("with a throttling window, throttling is retried past maxAttempts until the window has passed")
    func throttlingWindow() async throws {
        let clock = Mutex(ContinuousClock.now)
        let sleeps = Mutex<[Duration]>([])
        let policy = RetryPolicy(
            maxAttempts: 3, baseDelay: .seconds(1), maxBackoff: .seconds(20), throttlingRetryWindow: .seconds(10),
            random: { 1 },
            sleep: { delay in
                sleeps.withLock { $0.append(delay) }
                clock.withLock { $0 += delay }
            }, now: { clock.withLock { $0 } })
        try await withEC2([EC2Responses.throttled], retry: policy) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .throttling)
            // Failures at 0, 1, 3 and 7 s are retried (the last two within the window); the one at 15 s is not.
            #expect(server.requests.count == 5)
            #expect(sleeps.withLock { $0 } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        }
        // The window is for throttling only: server errors keep the standard three attempts.
        try await withEC2([.respond(status: 500, body: "<html>oops</html>")], retry: policy) { ec2, server, _ in
            await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(server.requests.count == 3)
        }
    }

    @Test("an auth error is not retried")
    func authNotRetried() async throws {
        let sleeps = SleepRecorder()
        try await withEC2(
            [.respond(status: 401, body: EC2Responses.error("AuthFailure")), .ok(EC2Responses.instances(["i-1"]))],
            retry: sleeps.policy()
        ) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .auth)
            #expect(server.requests.count == 1)
            #expect(sleeps.delays.isEmpty)
        }
    }

    @Test("an HTML 500 and a dropped connection are retried")
    func serverErrorAndConnectionRetried() async throws {
        let sleeps = SleepRecorder()
        try await withEC2(
            [.respond(status: 500, body: "<html>oops</html>"), .closeConnection, .ok(EC2Responses.instances(["i-2"]))],
            retry: sleeps.policy()
        ) { ec2, server, _ in
            let ids = try await ec2.describeInstances(region: "eu-west-1").instanceIDs
            #expect(ids == ["i-2"])
            #expect(server.requests.count == 3)
        }
    }

    @Test("a request that gets no answer times out and is retried as transient")
    func timeoutRetried() async throws {
        let sleeps = SleepRecorder()
        try await withEC2([.hang], retry: sleeps.policy(maxAttempts: 2), requestTimeout: .milliseconds(300)) {
            ec2, server, _ in
            let started = ContinuousClock.now
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .transient)
            guard case .transport(.timedOut) = error?.reason else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(server.requests.count == 2)
            // Two attempts under the 30 s default would take a minute; well under that proves the 300 ms
            // timeout applied, with room for a busy CI machine (tests run in parallel).
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test("truncated XML in a 200 is a malformed-response error, not a crash, and not retried")
    func truncatedXML() async throws {
        let sleeps = SleepRecorder()
        let truncated = String(EC2Responses.instances(["i-1", "i-2"]).dropLast(40))
        try await withEC2([.ok(truncated)], retry: sleeps.policy()) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .malformedResponse)
            #expect(error?.description.contains("truncated") == true)
            #expect(server.requests.count == 1)
        }
    }

    @Test("RequestTimeTooSkewed: the clock is corrected from the Date header and the call retried once")
    func clockSkew() async throws {
        let sleeps = SleepRecorder()
        let serverTime = Date().addingTimeInterval(3_600)
        let skewed = StubHTTPServer.Reply.respond(
            status: 403, headers: [("Date", HTTPDate.format(serverTime))],
            body: EC2Responses.error("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large."))
        try await withEC2([skewed, .ok(EC2Responses.instances(["i-1"]))], retry: sleeps.policy()) { ec2, server, _ in
            let ids = try await ec2.describeInstances(region: "eu-west-1").instanceIDs
            #expect(ids == ["i-1"])
            #expect(server.requests.count == 2)
            #expect(sleeps.delays.isEmpty)
            let first = try #require(server.requests.first?.header("X-Amz-Date"))
            let second = try #require(server.requests.last?.header("X-Amz-Date"))
            // The retry is signed about an hour later than the first attempt, in AWS's time.
            #expect(second.prefix(11) == UTCDateTime(serverTime).amzDate.prefix(11))
            #expect(first != second)
        }
    }

    /// Every scope's request learns the same skew at once; only the correction that moved the clock is logged
    /// (QueryClient logs when the offset moved by more than a minute).
    @Test("a correction returns the offset it replaced: the second of two at once finds the clock already moved")
    func correctionReturnsThePreviousOffset() {
        let clock = ClockCorrection(systemNow: { Date(timeIntervalSince1970: 1_800_000_000) })
        let server = HTTPDate.format(Date(timeIntervalSince1970: 1_800_001_200))
        #expect(clock.correct(serverDate: server) == 0)
        #expect(clock.correct(serverDate: server) == 1_200)
        #expect(clock.currentOffset == 1_200)
        #expect(clock.correct(serverDate: "not a date") == nil)
        #expect(clock.currentOffset == 1_200)
    }

    @Test("clock skew twice is an error after the single corrected retry")
    func clockSkewOnlyOnce() async throws {
        let skewed = StubHTTPServer.Reply.respond(
            status: 403, headers: [("Date", HTTPDate.format(Date().addingTimeInterval(-7_200)))],
            body: EC2Responses.error("RequestTimeTooSkewed"))
        try await withEC2([skewed], retry: SleepRecorder().policy()) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .clockSkew)
            #expect(server.requests.count == 2)
        }
    }

    @Test("ExpiredToken: credentials are refreshed once and the call retried with the new ones")
    func expiredToken() async throws {
        let provider = RotatingCredentials()
        let expired = StubHTTPServer.Reply.respond(status: 400, body: EC2Responses.error("ExpiredToken"))
        try await withEC2([expired, .ok(EC2Responses.instances(["i-1"]))], retry: SleepRecorder().policy(), credentials: provider) {
            ec2, server, _ in
            let ids = try await ec2.describeInstances(region: "eu-west-1").instanceIDs
            #expect(ids == ["i-1"])
            #expect(server.requests.count == 2)
            #expect(server.requests[0].header("Authorization")?.contains("Credential=ASIA0001/") == true)
            #expect(server.requests[1].header("Authorization")?.contains("Credential=ASIA0002/") == true)
            #expect(server.requests[1].header("X-Amz-Security-Token") == "token-2")
        }
        try await withEC2([expired], retry: SleepRecorder().policy(), credentials: RotatingCredentials()) { ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .expiredCredentials)
            #expect(server.requests.count == 2)
        }
    }

    @Test("pagination follows nextToken with MaxResults=1000 and the filters on every page")
    func pagination() async throws {
        let pages = [
            StubHTTPServer.Reply.ok(EC2Responses.instances(["i-1", "i-2"], nextToken: "r-next page+/=")),
            .ok(EC2Responses.instances(["i-3"])),
        ]
        try await withEC2(pages, retry: SleepRecorder().policy()) { ec2, server, _ in
            let instances = try await ec2.describeInstances(
                region: "eu-west-1", filters: [.instanceStates(["running", "stopped"]), .tag("Name", ["web *"])])
            #expect(instances.instanceIDs == ["i-1", "i-2", "i-3"])
            let bodies = server.requests.map(\.bodyText)
            #expect(bodies.count == 2)
            let filters =
                "&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=stopped"
                + "&Filter.2.Name=tag%3AName&Filter.2.Value.1=web+%2A"
            #expect(bodies[0] == "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000" + filters)
            #expect(
                bodies[1] == "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000"
                    + "&NextToken=r-next+page%2B%2F%3D" + filters)
            #expect(server.requests[0].header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
            #expect(server.requests[0].header("Host") == "127.0.0.1:\(server.port)")
            #expect(server.requests[0].header("Authorization")?.contains("/eu-west-1/ec2/aws4_request") == true)
        }
    }

    @Test("a nextToken that repeats stops the loop with an error")
    func repeatingToken() async throws {
        try await withEC2([.ok(EC2Responses.instances(["i-1"], nextToken: "same"))], retry: SleepRecorder().policy()) {
            ec2, server, _ in
            let error = await #expect(throws: AWSClientError.self) { try await ec2.describeInstances(region: "eu-west-1") }
            #expect(error?.category == .malformedResponse)
            #expect(server.requests.count == 2)
        }
    }

    @Test("DescribeRegions leaves out regions the account has not opted into")
    func describeRegions() async throws {
        let body =
            "<DescribeRegionsResponse><requestId>x</requestId><regionInfo>"
            + "<item><regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
            + "<item><regionName>af-south-1</regionName><regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>"
            + "<item><regionName>me-south-1</regionName><optInStatus>opted-in</optInStatus></item>"
            + "</regionInfo></DescribeRegionsResponse>"
        try await withEC2([.ok(body)], retry: SleepRecorder().policy()) { ec2, server, _ in
            let regions = try await ec2.describeRegions(region: "us-east-1")
            #expect(regions.map(\.name) == ["eu-west-1", "me-south-1"])
            #expect(regions.first?.endpoint == "ec2.eu-west-1.amazonaws.com")
            #expect(server.requests.first?.bodyText == "Action=DescribeRegions&Version=2016-11-15")
        }
    }

    @Test("backoff is random(0,1) times min(2^(attempt-1) * base, cap)")
    func backoffFormula() {
        let half = RetryPolicy(baseDelay: .seconds(1), maxBackoff: .seconds(20), random: { 0.5 })
        #expect(half.backoff(afterAttempt: 1) == .milliseconds(500))
        #expect(half.backoff(afterAttempt: 2) == .seconds(1))
        #expect(half.backoff(afterAttempt: 3) == .seconds(2))
        #expect(half.backoff(afterAttempt: 10) == .seconds(10))
        #expect(RetryPolicy(random: { 0 }).backoff(afterAttempt: 3) == .zero)
        #expect(RetryPolicy(baseDelay: .milliseconds(10), random: { 1 }).backoff(afterAttempt: 2) == .milliseconds(20))
    }

    @Test("HTTP dates parse and format")
    func httpDates() {
        let date = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.format(date) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == date)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("") == nil)
    }
}

/// Hands out `ASIA0001`, then after each `invalidate()` the next numbered key.
actor RotatingCredentials: CredentialProvider {
    private var generation = 1

    func credentials() async throws(CredentialError) -> AWSCredentials {
        let number = String(format: "%04d", generation)
        return AWSCredentials(
            accessKeyID: "ASIA\(number)", secretAccessKey: "secret", sessionToken: "token-\(generation)",
            expiration: Date().addingTimeInterval(3_600))
    }

    func invalidate() async {
        generation += 1
    }
}
