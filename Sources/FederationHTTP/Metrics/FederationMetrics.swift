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
    private let lookups: [LookupOutcome: Counter]
    private let certificateDaysLeft: Gauge

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        var lookups: [LookupOutcome: Counter] = [:]
        for type in LookupOutcome.Kind.allCases {
            for result in LookupOutcome.Result.allCases {
                lookups[LookupOutcome(type: type, result: result)] = Counter(
                    label: "fedns_federation_lookups_total", dimensions: [("type", type.rawValue), ("result", result.rawValue)],
                    factory: factory)
            }
        }
        self.lookups = lookups
        certificateDaysLeft = Gauge(label: "fedns_tls_certificate_days_left", factory: factory)
    }

    /// Counts one answered lookup; nil (an answer that was not a lookup) counts nothing.
    func count(_ lookup: LookupOutcome?) {
        guard let lookup else { return }
        // Every (type, result) pair was made in init.
        lookups[lookup]?.increment()
    }

    func recordCertificateDaysLeft(_ days: Double) {
        certificateDaysLeft.record(days)
    }
}

/// What a federation lookup came to, as `fedns_federation_lookups_total` labels it: a plain value that a response
/// (``SiteResponse/lookup``) and a cached reply carry, so that whoever sends the answer counts it.
struct LookupOutcome: Hashable, Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case name, id, txid, forward, federation
        case reverseFederation = "reverse_federation"
        /// Any other type, none, or a query that could not be read.
        case other
    }

    enum Result: String, CaseIterable, Sendable {
        case found
        case notFound = "not_found"
        case invalid
        case notImplemented = "not_implemented"
        case unavailable
        case error
    }

    let type: Kind
    let result: Result

    init(type: Kind, result: Result) {
        self.type = type
        self.result = result
    }

    /// `type` as the request gave it (nil when missing or the query was unreadable), `status` the reply's.
    init(type: String?, status: Int) {
        self.type = type.flatMap(Kind.init(rawValue:)) ?? .other
        switch status {
        case 200: result = .found
        case 404: result = .notFound
        case 400, 414: result = .invalid
        case 501: result = .notImplemented
        case 503: result = .unavailable
        default: result = .error
        }
    }
}
