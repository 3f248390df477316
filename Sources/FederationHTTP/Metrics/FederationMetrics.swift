import Metrics

/// The endpoint's metrics, through swift-metrics (exposed by whatever backend the process bootstraps):
///
/// - `fedns_federation_lookups_total{type, result}`: federation requests, by `type` (`name`, `id`, `txid`,
///   `forward`, `federation`, `reverse_federation`, or `other` for anything else, missing or unreadable) and
///   `result` (`found`, `not_found`, `invalid`, `not_implemented`, `unavailable`, `error`);
/// - `fedns_tls_certificate_days_left`: days until the soonest expiry among the certificates in use, set when they
///   are loaded and reloaded (alert well before it reaches zero).
///
/// Counters are made once, up front: creating one goes through the metrics factory, too slow for every request.
struct FederationMetrics: Sendable {
    static let types = ["name", "id", "txid", "forward", "federation", "reverse_federation", "other"]
    static let results = ["found", "not_found", "invalid", "not_implemented", "unavailable", "error"]

    private struct Key: Hashable {
        var type: String
        var result: String
    }

    private let lookups: [Key: Counter]
    private let certificateDaysLeft: Gauge

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        var lookups: [Key: Counter] = [:]
        for type in Self.types {
            for result in Self.results {
                lookups[Key(type: type, result: result)] = Counter(
                    label: "fedns_federation_lookups_total", dimensions: [("type", type), ("result", result)], factory: factory)
            }
        }
        self.lookups = lookups
        certificateDaysLeft = Gauge(label: "fedns_tls_certificate_days_left", factory: factory)
    }

    /// Counts one lookup and returns the counter it went to, for the fast path's cached copies of the reply
    /// (``LookupReplyCache``) to count themselves in.
    @discardableResult
    func countLookup(type: String?, status: Int) -> Counter {
        let typeLabel = type.flatMap { Self.types.contains($0) ? $0 : nil } ?? "other"
        // Every (type, result) pair was made in init.
        let counter = lookups[Key(type: typeLabel, result: Self.result(for: status))]!
        counter.increment()
        return counter
    }

    static func result(for status: Int) -> String {
        switch status {
        case 200: "found"
        case 404: "not_found"
        case 400, 414: "invalid"
        case 501: "not_implemented"
        case 503: "unavailable"
        default: "error"
        }
    }

    func recordCertificateDaysLeft(_ days: Double) {
        certificateDaysLeft.record(days)
    }
}
