import Metrics

/// The endpoint's metrics, through swift-metrics (exposed by whatever backend the process bootstraps):
///
/// - `fedns_federation_lookups_total{type, result}`: federation requests, by `type` (`name`, `id`, `txid`,
///   `forward`, `federation`, `reverse_federation`, or `other` for anything else, missing or unreadable) and
///   `result` (`found`, `not_found`, `invalid`, `not_implemented`, `unavailable`, `error`), counted by the
///   transport that sends the answer (``count(_:)``), answers from the ``LookupReplyCache`` included;
/// - `fedns_tls_certificate_days_left`: days until the soonest expiry among the certificates in use, set when they
///   are loaded and reloaded (alert well before it reaches zero).
///
/// Counters are made once, up front: creating one goes through the metrics factory, too slow for every request.
struct FederationMetrics: Sendable {
    static let types = ["name", "id", "txid", "forward", "federation", "reverse_federation", "other"]
    static let results = ["found", "not_found", "invalid", "not_implemented", "unavailable", "error"]

    /// One counter per (type, result), at ``LookupOutcome/counterIndex``.
    private let lookups: [Counter]
    private let certificateDaysLeft: Gauge

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        lookups = Self.types.flatMap { type in
            Self.results.map { result in
                Counter(label: "fedns_federation_lookups_total", dimensions: [("type", type), ("result", result)], factory: factory)
            }
        }
        certificateDaysLeft = Gauge(label: "fedns_tls_certificate_days_left", factory: factory)
    }

    /// Counts one answered lookup; nil (an answer that was not a lookup) counts nothing.
    func count(_ lookup: LookupOutcome?) {
        guard let lookup else { return }
        lookups[lookup.counterIndex].increment()
    }

    func recordCertificateDaysLeft(_ days: Double) {
        certificateDaysLeft.record(days)
    }
}

/// What a federation lookup came to, as `fedns_federation_lookups_total` labels it: a plain value that a response
/// (``SiteResponse/lookup``) and a cached reply carry, so that whoever sends the answer counts it.
struct LookupOutcome: Hashable, Sendable {
    /// Positions in ``FederationMetrics/types`` and ``FederationMetrics/results``.
    let typeIndex: Int
    let resultIndex: Int

    /// `type` as the request gave it (nil when missing or the query was unreadable), `status` the reply's. A type
    /// the metric does not list is `other`, the last.
    init(type: String?, status: Int) {
        typeIndex = type.flatMap { FederationMetrics.types.firstIndex(of: $0) } ?? FederationMetrics.types.count - 1
        resultIndex = FederationMetrics.results.firstIndex(of: Self.result(for: status)) ?? FederationMetrics.results.count - 1
    }

    var type: String { FederationMetrics.types[typeIndex] }
    var result: String { FederationMetrics.results[resultIndex] }

    var counterIndex: Int { typeIndex * FederationMetrics.results.count + resultIndex }

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
}
