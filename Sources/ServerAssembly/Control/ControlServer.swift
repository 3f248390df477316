import EC2Zone
import Foundation
import Hummingbird
import Inventory
import InventoryLookup
import Logging
import NIOCore
import Prometheus
import Settings

/// The control endpoint: `/healthz`, `/readyz`, `/metrics` (Prometheus text) and `/v1/instances` (the inventory
/// the companion commands read). Plain HTTP on loopback by default: it describes the whole fleet, so exposing it
/// is an explicit choice (`[control] listen`).
struct ControlServer {
    let config: ControlConfig
    let store: SnapshotStore
    /// The zone currently served, for naming problems; nil when DNS is disabled.
    let zone: (@Sendable () -> CompiledZone?)?
    /// The zone's options as configured, for reading names when DNS is disabled.
    let zoneOptions: ZoneOptions
    let registry: PrometheusCollectorRegistry
    /// Called before each scrape to set gauges that are computed rather than counted (ages, days left).
    let beforeScrape: [@Sendable () -> Void]
    let logger: Logger

    /// `onRunning` is called once the listener is bound.
    func makeApplication(onRunning: @escaping @Sendable () -> Void = {}) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in
            Self.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/readyz") { _, _ in
            guard store.isLoaded else {
                return Self.json(.serviceUnavailable, #"{"status":"not ready","reason":"no inventory loaded yet"}"#)
            }
            return Self.json(.ok, #"{"status":"ready"}"#)
        }
        router.get("/metrics") { _, _ in
            for update in beforeScrape { update() }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/v1/instances") { request, _ in
            let query = request.uri.queryParameters
            return try instances(region: query["region"].map(String.init), name: query["name"].map(String.init))
        }
        var configuration = ApplicationConfiguration(address: .hostname(config.listen.ipAddress ?? "127.0.0.1", port: config.listen.port ?? 9153))
        configuration.serverName = nil
        return Application(
            router: router, configuration: configuration, onServerRunning: { _ in onRunning() }, logger: logger)
    }

    /// `?region=R&name=N` narrow the list. `name` is any name of the zone (`web-1`, `2.web.role.ec2`, an id), read
    /// with the zone's own grammar: the instances it may mean in any state, and for a numbered name its whole set,
    /// so that a command resolving it over just these gets the zone's answer.
    private func instances(region: String?, name: String?) throws -> Response {
        var snapshot = store.current
        if let region {
            snapshot.instances = snapshot.instances.filter { $0.region == region }
        }
        if let name {
            snapshot.instances = snapshot.instances.filter(NameIndex.mayMean(name, options: zone?()?.settings ?? zoneOptions))
        }
        let document = InventoryDocument(snapshot: snapshot, loaded: store.isLoaded, problems: zone?()?.problems ?? [])
        let body = try document.encoded()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
