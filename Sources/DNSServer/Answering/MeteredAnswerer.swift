import DNSWire
import EC2Zone
import Logging
import NIOCore

/// What both transports do with the messages they receive, batch by batch (one `recvmmsg`, one TCP read burst):
/// fetch the zone's answerer once, answer each message into a reply buffer, tally it (or the drop) and, with the
/// query log on, log it; at the end of the batch, hand the tally and the batch's time to the metrics. One per
/// socket or connection: `rotation` advances per message so that RRsets with several records start at a
/// different record each time.
struct MeteredAnswerer {
    let handler: any DNSQueryHandler
    let metrics: DNSServerMetrics
    let queryLogger: Logger?
    let transport: DNSTransport
    /// UDP response rate limiting (nil for TCP, which cannot be forged).
    let rateLimiter: ResponseRateLimiter?
    private var rotation = 0
    private var tally = QueryTally()
    private var batchStarted: UInt64 = 0
    /// The zone's answerer for the batch under way.
    private var current: WireAnswerer?
    /// The rate limits for the batch under way, and its second (the limiter's clock).
    private var limits: (responsesPerSecond: UInt32, slip: UInt32) = (0, 0)
    private var second: UInt32 = 0

    init(
        handler: any DNSQueryHandler, metrics: DNSServerMetrics, queryLogger: Logger?, transport: DNSTransport,
        rateLimiter: ResponseRateLimiter? = nil
    ) {
        self.handler = handler
        self.metrics = metrics
        self.queryLogger = queryLogger
        self.transport = transport
        self.rateLimiter = rateLimiter
    }

    /// Starts a batch, unless one is under way.
    mutating func beginBatch() {
        guard current == nil else { return }
        batchStarted = metrics.clock()
        current = handler.answerer()
        if let rateLimiter {
            limits = rateLimiter.limits
            second = UInt32(truncatingIfNeeded: batchStarted / 1_000_000_000)
        }
    }

    /// Prefetches what answering the batch's `queries` will read (see `WireAnswerer.prefetch`).
    func prefetch(answersTo queries: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
        current?.prefetch(answersTo: queries)
    }

    /// Answers one message of the batch; the reply's bytes are the first `length` of `reply`. `client` is read
    /// only for cookies and the query log, `network` (the client's `ResponseRateLimiter.networkKey`) only when
    /// rate limiting is on.
    mutating func answer(
        _ query: UnsafeRawBufferPointer, client: @autoclosure () -> SocketAddress?,
        network: @autoclosure () -> UInt64? = nil, into reply: UnsafeMutableRawBufferPointer
    ) -> WireReply {
        beginBatch()
        rotation &+= 1
        guard let answerer = current else { return .drop }
        let answered = answerer.answer(query, transport: transport, rotation: rotation, client: client(), into: reply)
        if answered.isDrop {
            tally.dropped += 1
            return answered
        }
        tally.count(answered, transport: transport)
        if let queryLogger, let client = client() {
            queryLogger.logQuery(answered, query: query, client: client, transport: transport)
        }
        if limits.responsesPerSecond > 0, !answered.cookieVerified, let rateLimiter, let network = network() {
            switch rateLimiter.verdict(for: network, now: second, limits: limits) {
            case .send:
                break
            case .drop:
                tally.rateLimitedDrops += 1
                return .drop
            case .slip:
                tally.rateLimitedSlips += 1
                var truncated = answered
                truncated.length = ResponseRateLimiter.truncate(reply, length: answered.length)
                truncated.truncated = true
                return truncated
            }
        }
        return answered
    }

    /// Answers again, into a larger buffer, a message whose reply did not fit the first one; not counted twice.
    func answerAgain(_ query: UnsafeRawBufferPointer, into reply: UnsafeMutableRawBufferPointer) -> WireReply {
        (current ?? handler.answerer()).answer(query, transport: transport, rotation: rotation, into: reply)
    }

    /// Ends the batch: its counts and time go to the metrics.
    mutating func endBatch() {
        guard current != nil else { return }
        current = nil
        metrics.flush(&tally, transport: transport, elapsedNanoseconds: metrics.clock() &- batchStarted)
    }

    func recordTransportError() {
        metrics.recordTransportError(transport: transport)
    }
}
