import DNSWire
import EC2Zone
import FednsSupport
import Logging
import Metrics
import NIOCore

/// The DNS server's metrics. Every counter is created up front and found by index; a transport counts a batch of
/// queries (one `recvmmsg`, one TCP read) in a `QueryTally` of plain integers and hands it over once per batch,
/// so a query costs an increment of a local integer: no atomic, lock, clock read or allocation per query.
///
/// - `fedns_dns_queries_total{transport,type,rcode}`
/// - `fedns_dns_query_duration_seconds` (histogram of the time spent answering inside the server; one
///   observation per batch, its time divided by its queries: the clock is read twice per batch, not per query)
/// - `fedns_dns_dropped_total{transport}`: messages not answered (runts, responses sent as queries)
/// - `fedns_dns_transport_errors_total{transport}`
/// - `fedns_dns_rate_limited_total{action}`: UDP replies response rate limiting dropped or sent truncated (slip)
/// - `fedns_dns_tcp_connections` (open now) and `fedns_dns_tcp_connections_total`, `fedns_dns_tcp_refused_total`
public final class DNSServerMetrics: Sendable {
    static let types: [RRType] = [.a, .aaaa, .txt, .ptr, .soa, .ns, .any, .srv, .cname, .mx, .https, .axfr, .ixfr]
    static let rcodes: [RCode] = [.noError, .formErr, .servFail, .nxDomain, .notImp, .refused, .badVers]

    private let queries: [Counter]
    private let duration: Metrics.Timer
    private let dropped: [Counter]
    private let transportErrors: [Counter]
    private let rateLimitedDrops: Counter
    private let rateLimitedSlips: Counter
    private let openConnections: Meter
    private let acceptedConnections: Counter
    private let refusedConnections: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        var queries: [Counter] = []
        for transport in DNSTransport.allCases {
            for type in Self.types.map(\.description) + ["other"] {
                for rcode in Self.rcodes.map(\.description) + ["other"] {
                    queries.append(
                        Counter(
                            label: "fedns_dns_queries_total",
                            dimensions: [("transport", transport.rawValue), ("type", type), ("rcode", rcode)],
                            factory: factory))
                }
            }
        }
        self.queries = queries
        duration = Metrics.Timer(
            label: "fedns_dns_query_duration_seconds", preferredDisplayUnit: .seconds, factory: factory)
        dropped = DNSTransport.allCases.map {
            Counter(label: "fedns_dns_dropped_total", dimensions: [("transport", $0.rawValue)], factory: factory)
        }
        transportErrors = DNSTransport.allCases.map {
            Counter(label: "fedns_dns_transport_errors_total", dimensions: [("transport", $0.rawValue)], factory: factory)
        }
        rateLimitedDrops = Counter(label: "fedns_dns_rate_limited_total", dimensions: [("action", "drop")], factory: factory)
        rateLimitedSlips = Counter(label: "fedns_dns_rate_limited_total", dimensions: [("action", "slip")], factory: factory)
        openConnections = Meter(label: "fedns_dns_tcp_connections", factory: factory)
        acceptedConnections = Counter(label: "fedns_dns_tcp_connections_total", factory: factory)
        refusedConnections = Counter(label: "fedns_dns_tcp_refused_total", factory: factory)
    }

    @inline(__always)
    func clock() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// The counter of a reply, by transport, question type and rcode.
    @inline(__always)
    static func counterIndex(_ reply: WireReply, transport: DNSTransport) -> Int {
        let typeIndex = reply.questionType.flatMap { types.firstIndex(of: $0) } ?? types.count
        let rcodeIndex = rcodes.firstIndex(of: reply.rcode) ?? rcodes.count
        let transportIndex = transport == .udp ? 0 : 1
        return (transportIndex * (types.count + 1) + typeIndex) * (rcodes.count + 1) + rcodeIndex
    }

    static let counterCount = DNSTransport.allCases.count * (types.count + 1) * (rcodes.count + 1)

    /// Adds a batch's counts to the counters and its time to the histogram, and empties the tally.
    func flush(_ tally: inout QueryTally, transport: DNSTransport, elapsedNanoseconds: UInt64) {
        for index in tally.touched {
            queries[index].increment(by: Int64(tally.counts[index]))
            tally.counts[index] = 0
        }
        if tally.answered > 0 {
            duration.recordNanoseconds(Int64(elapsedNanoseconds / UInt64(tally.answered)))
        }
        if tally.dropped > 0 { dropped[transport == .udp ? 0 : 1].increment(by: Int64(tally.dropped)) }
        if tally.rateLimitedDrops > 0 { rateLimitedDrops.increment(by: Int64(tally.rateLimitedDrops)) }
        if tally.rateLimitedSlips > 0 { rateLimitedSlips.increment(by: Int64(tally.rateLimitedSlips)) }
        tally.touched.removeAll(keepingCapacity: true)
        tally.answered = 0
        tally.dropped = 0
        tally.rateLimitedDrops = 0
        tally.rateLimitedSlips = 0
    }

    func recordTransportError(transport: DNSTransport) {
        transportErrors[transport == .udp ? 0 : 1].increment()
    }

    func connectionOpened() {
        openConnections.increment()
        acceptedConnections.increment()
    }

    func connectionClosed() {
        openConnections.decrement()
    }

    func connectionRefused() {
        refusedConnections.increment()
    }
}

/// The counts of one batch of queries, in plain integers, until `DNSServerMetrics.flush`.
struct QueryTally {
    var counts = [Int32](repeating: 0, count: DNSServerMetrics.counterCount)
    /// The counters this batch touched, so a flush visits only those.
    var touched: [Int] = []
    var answered = 0
    var dropped = 0
    var rateLimitedDrops = 0
    var rateLimitedSlips = 0

    init() {
        touched.reserveCapacity(16)
    }

    @inline(__always)
    mutating func count(_ reply: WireReply, transport: DNSTransport) {
        let index = DNSServerMetrics.counterIndex(reply, transport: transport)
        if counts[index] == 0 { touched.append(index) }
        counts[index] += 1
        answered += 1
    }
}

extension Logger {
    /// One line per answered query, for the optional query log (the question is read again from the query: the
    /// answer path keeps no name).
    func logQuery(_ reply: WireReply, query: UnsafeRawBufferPointer, client: SocketAddress, transport: DNSTransport) {
        let question = (try? DNSWire.Message(parsing: Array(query)))?.questions.first
        info(
            "query",
            metadata: [
                "client": "\(client.displayText)", "transport": "\(transport.rawValue)",
                "name": "\(question?.name.description ?? "-")", "type": "\(question?.type.description ?? "-")",
                "rcode": "\(reply.rcode)", "tc": "\(reply.truncated)",
            ])
    }
}
