import Metrics

/// The mirror's metrics, through swift-metrics (exposed by whatever backend the process bootstraps):
///
/// - `fedns_federation_store_up`: 1 while the store answers the mirror's polls, 0 from the first failed poll until
///   one succeeds again (the book being served is then the last one loaded);
/// - `fedns_federation_store_errors_total`: polls and reloads that failed (an outage of a minute counts about 120);
/// - `fedns_federation_book_version`: the store version of the book being served (replicas of one store that show
///   different values for long are not following it);
/// - `fedns_federation_book_addresses`: the addresses in the book being served.
struct AddressBookMetrics: Sendable {
    private let up: Gauge
    private let errors: Counter
    private let version: Gauge
    private let addresses: Gauge

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        up = Gauge(label: "fedns_federation_store_up", factory: factory)
        errors = Counter(label: "fedns_federation_store_errors_total", factory: factory)
        version = Gauge(label: "fedns_federation_book_version", factory: factory)
        addresses = Gauge(label: "fedns_federation_book_addresses", factory: factory)
    }

    func storeAnswered() {
        up.record(1)
    }

    func storeFailed() {
        up.record(0)
        errors.increment()
    }

    func loaded(version loadedVersion: Int64, addresses count: Int) {
        version.record(loadedVersion)
        addresses.record(count)
    }
}
