import Foundation
import Inventory
import Metrics
import Prometheus

/// The process-wide metrics backend: swift-metrics handles everywhere, exposed as Prometheus text on the control
/// endpoint.
public enum MetricsSetup {
    /// Installs the Prometheus backend once, before anything records; returns the registry `/metrics` renders.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // DNS answers take microseconds; HTTP requests milliseconds. One bucket set covers both.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}

/// Inventory gauges, computed at scrape time (ages change without any event to count):
/// `fedns_inventory_loaded`, `fedns_inventory_serial`, `fedns_inventory_instances{region}`,
/// `fedns_inventory_refresh_age_seconds{region,profile}` (seconds since the scope's last good read; -1 when never).
struct InventoryGauges: Sendable {
    let store: SnapshotStore

    func update() {
        let snapshot = store.current
        Gauge(label: "fedns_inventory_loaded").record(store.isLoaded ? 1 : 0)
        Gauge(label: "fedns_inventory_serial").record(Double(snapshot.serial))
        var perRegion: [String: Int] = [:]
        for instance in snapshot.instances { perRegion[instance.region, default: 0] += 1 }
        for source in snapshot.sources where perRegion[source.region] == nil { perRegion[source.region] = 0 }
        for (region, count) in perRegion {
            Gauge(label: "fedns_inventory_instances", dimensions: [("region", region)]).record(Double(count))
        }
        for source in snapshot.sources {
            let age = source.lastSuccess.map { Date().timeIntervalSince($0) } ?? -1
            Gauge(
                label: "fedns_inventory_refresh_age_seconds",
                dimensions: [("region", source.region), ("profile", source.profile ?? "default")]
            ).record(age)
        }
    }
}
