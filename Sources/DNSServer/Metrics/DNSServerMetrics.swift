import DNSWire
import EC2Zone
import FednsSupport
import Logging
import Metrics
import NIOCore

/// The DNS server's metrics. Every counter is created up front and found by index, so recording a query costs an
/// array lookup and an increment: no dictionary, lock or allocation on the hot path.
///
/// - `fedns_dns_queries_total{transport,type,rcode}`
/// - `fedns_dns_query_duration_seconds` (histogram, time spent answering inside the server)
/// - `fedns_dns_dropped_total{transport}`: messages not answered (runts, responses sent as queries)
/// - `fedns_dns_transport_errors_total{transport}`
/// - `fedns_dns_tcp_connections` (open now) and `fedns_dns_tcp_connections_total`, `fedns_dns_tcp_refused_total`
public final class DNSServerMetrics: Sendable {
    static let types: [RRType] = [.a, .aaaa, .txt, .ptr, .soa, .ns, .any, .srv, .cname, .mx, .https, .axfr, .ixfr]
    static let rcodes: [RCode] = [.noError, .formErr, .servFail, .nxDomain, .notImp, .refused, .badVers]

    private let queries: [Counter]
    private let duration: Metrics.Timer
    private let dropped: [Counter]
    private let transportErrors: [Counter]
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
        openConnections = Meter(label: "fedns_dns_tcp_connections", factory: factory)
        acceptedConnections = Counter(label: "fedns_dns_tcp_connections_total", factory: factory)
        refusedConnections = Counter(label: "fedns_dns_tcp_refused_total", factory: factory)
    }

    @inline(__always)
    func clock() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    func record(_ reply: WireReply, transport: DNSTransport, since started: UInt64) {
        let typeIndex = reply.questionType.flatMap { Self.types.firstIndex(of: $0) } ?? Self.types.count
        let rcodeIndex = Self.rcodes.firstIndex(of: reply.rcode) ?? Self.rcodes.count
        let transportIndex = transport == .udp ? 0 : 1
        let index = (transportIndex * (Self.types.count + 1) + typeIndex) * (Self.rcodes.count + 1) + rcodeIndex
        queries[index].increment()
        duration.recordNanoseconds(Int64(clock() &- started))
    }

    func recordDropped(transport: DNSTransport) {
        dropped[transport == .udp ? 0 : 1].increment()
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
