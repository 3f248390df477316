import AWSDiscovery
import AsyncHTTPClient
import EC2Zone
import FednsSupport
import Foundation
import Inventory
import Logging
import NIOCore
import NIOHTTP1

/// Where the commands (`fedns instances`, `ec2ssh`, `ec2host`, …) get the inventory, fastest first:
/// 1. a running fedns on this machine (its control endpoint, `GET /v1/instances`);
/// 2. the persisted snapshot, when it is younger than the refresh interval;
/// 3. AWS directly (one refresh through the same code as the server), writing the snapshot for next time.
/// When AWS fails, an older snapshot is still used, and its age is said.
public struct InventoryLookup: Sendable {
    public enum Origin: Sendable, CustomStringConvertible {
        case server(SocketAddress)
        case snapshot(path: String, age: TimeInterval)
        case file(path: String)
        case aws(regions: Int, failed: [String])

        public var description: String {
            switch self {
            case .server(let address): return "the running server at \(address.displayText)"
            case .snapshot(let path, let age): return "the snapshot \(path), \(InventoryLookup.describe(age: age)) old"
            case .file(let path): return "the inventory file \(path)"
            case .aws(let regions, let failed):
                return "AWS (\(regions) scope\(regions == 1 ? "" : "s"))" + (failed.isEmpty ? "" : "; failed: \(failed.joined(separator: "; "))")
            }
        }
    }

    public struct Result: Sendable {
        public var document: InventoryDocument
        public var origin: Origin
        /// Something the person should know (a stale snapshot used because AWS failed).
        public var warning: String?
        /// The document holds only what `only` asked the running server for, not the whole inventory.
        public var isPartial = false
    }

    /// A narrower question for a running server (`/v1/instances?name=…&region=…`): the instances a name of the
    /// zone (any form: `web-1`, `2.web.role`, an id) may mean, as `NameIndex.mayMean` reads it, in `region` if given.
    public struct InstanceQuery: Sendable, Hashable {
        public var name: String
        public var region: String?

        public init(name: String, region: String? = nil) {
            self.name = name
            self.region = region
        }
    }

    /// One complete read of the inventory from AWS; throws when no scope could be read.
    public typealias AWSRead = @Sendable (DiscoveryOptions, Logger) async throws -> RefreshReport

    public let options: InventoryLookupOptions
    public let logger: Logger
    /// Whether a document read here (snapshot, file, AWS) lists the zone's naming problems. Finding them compiles
    /// the zone, about 20 ms per 1,000 instances: the companion commands, which must start ssh fast, skip it.
    public let namingProblems: Bool
    private let readAWS: AWSRead

    /// `readAWS` is how AWS is read when it must be: by default one refresh through the server's own code
    /// (``readThroughRefresher(_:logger:)``); tests pass their own to check the order of sources.
    public init(
        options: InventoryLookupOptions, logger: Logger, namingProblems: Bool = true,
        readAWS: @escaping AWSRead = InventoryLookup.readThroughRefresher
    ) {
        self.options = options
        self.logger = logger
        self.namingProblems = namingProblems
        self.readAWS = readAWS
    }

    /// `refresh` skips the server and the snapshot and asks AWS. `only` asks a running server for just those
    /// instances (the result is then partial: a few hundred bytes instead of the whole fleet, which the server
    /// would encode and this process decode, about 20 ms for 1,000 instances); the snapshot and AWS give all.
    public func fetch(refresh: Bool = false, only queries: [InstanceQuery]? = nil) async throws -> Result {
        if !refresh {
            if let fromServer = await fromControlEndpoint(only: queries) { return fromServer }
        }
        switch options.source {
        case .file(let path):
            return try fromFile(path)
        case .aws(let aws):
            let persisted = aws.refresh.snapshotPath.flatMap(Self.loadSnapshot)
            if !refresh, let persisted, persisted.age < seconds(options.source.refreshInterval) {
                return fromSnapshot(persisted)
            }
            do {
                return try await fromAWS(aws)
            } catch {
                guard let persisted else { throw error }
                return fromSnapshot(
                    persisted,
                    warning: "AWS could not be read (\(error)); using the snapshot from \(Self.describe(age: persisted.age)) ago")
            }
        }
    }

    /// What this machine already knows, never asking AWS: the running server, else the inventory file or the
    /// persisted snapshot whatever its age; nil when there is neither. For shell completion, which must be instant.
    public func fetchCached() async -> Result? {
        if let fromServer = await fromControlEndpoint(only: nil) { return fromServer }
        switch options.source {
        case .file(let path):
            return try? fromFile(path)
        case .aws(let aws):
            return aws.refresh.snapshotPath.flatMap(Self.loadSnapshot).map { fromSnapshot($0) }
        }
    }

    /// The running server's inventory, or nil when none answers on the control address (quickly: it is local).
    func fromControlEndpoint(only queries: [InstanceQuery]?) async -> Result? {
        guard let address = options.controlAddress?.reachableFromHere else { return nil }
        guard TCPProbe.acceptsConnections(address) else {
            logger.debug("no running server listens", metadata: ["address": "\(address.displayText)"])
            return nil
        }
        let host = address.protocol == .inet6 ? "[\(address.ipAddress ?? "::1")]" : (address.ipAddress ?? "127.0.0.1")
        let base = "http://\(host):\(address.port ?? 9153)/v1/instances"
        let urls = queries.map { $0.map { base + "?" + $0.queryString } } ?? [base]
        do {
            let documents = try await HTTPClient.withHTTPClient(configuration: Self.controlClient) { client in
                var documents: [InventoryDocument] = []
                for url in urls {
                    let response = try await client.execute(HTTPClientRequest(url: url), timeout: .milliseconds(1500))
                    guard response.status == .ok else { return [] as [InventoryDocument] }
                    let body = try await response.body.collect(upTo: 256 << 20)
                    documents.append(try InventoryDocument.decode(Data(body.readableBytesView)))
                }
                return documents
            }
            guard var document = documents.first, documents.allSatisfy(\.loaded) else { return nil }
            // Several questions: one document with each instance once.
            var seen = Set(document.instances.map(\.id))
            for other in documents.dropFirst() {
                document.instances += other.instances.filter { seen.insert($0.id).inserted }
            }
            return Result(document: document, origin: .server(address), warning: nil, isPartial: queries != nil)
        } catch {
            logger.debug("no running server answered", metadata: ["address": "\(address.displayText)", "reason": "\(error)"])
            return nil
        }
    }

    /// No server listening is the usual case, and on loopback a refused connection is final: fail at once instead
    /// of retrying with backoff until the request's deadline (the shared client's behaviour, 1.5 s per command).
    private static let controlClient: HTTPClient.Configuration = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .milliseconds(500)
        return configuration
    }()

    private func fromAWS(_ aws: DiscoveryOptions) async throws -> Result {
        let report = try await readAWS(aws, logger)
        return Result(
            document: document(for: report.snapshot),
            origin: .aws(regions: report.succeeded.count + report.failed.count, failed: report.failed.map { "\($0.scope): \($0.reason)" }),
            warning: nil)
    }

    /// One refresh through the same source and refresher the server uses (so the snapshot file is written for
    /// next time too); throws when no scope could be read.
    @Sendable public static func readThroughRefresher(_ aws: DiscoveryOptions, logger: Logger) async throws -> RefreshReport {
        let discovery = try await AWSDiscovery.make(aws, logger: logger)
        let store = SnapshotStore()
        // The snapshot this read replaces holds the host keys learnt so far (DescribeInstances has none): keep them.
        if let path = aws.refresh.snapshotPath, case .loaded(let persisted) = SnapshotFile(path: path).load() {
            store.rememberHostKeys(of: persisted.instances)
        }
        let refresher = InventoryRefresher(source: discovery.source, settings: discovery.settings, store: store, logger: logger)
        let report = await refresher.refresh()
        await discovery.shutdown()
        guard store.isLoaded else {
            let reasons = report.failed.map { "\($0.scope): \($0.reason)" }.joined(separator: "; ")
            throw LookupError(message: "AWS could not be read: \(reasons)")
        }
        return report
    }

    /// The inventory file of `source = "file"`. A function of its own: with this typed-throws call written inside
    /// the async `fetch`, Swift 6.3.1's optimizer crashed splitting `fetch` into coroutines (release builds only).
    private func fromFile(_ path: String) throws -> Result {
        let snapshot = try FileInventory(path: path, store: SnapshotStore(), logger: logger).read()
        return Result(document: document(for: snapshot), origin: .file(path: path), warning: nil)
    }

    private func fromSnapshot(_ persisted: PersistedSnapshot, warning: String? = nil) -> Result {
        Result(
            document: document(for: persisted.snapshot), origin: .snapshot(path: persisted.path, age: persisted.age),
            warning: warning)
    }

    /// The document for a snapshot read here, with the naming problems the zone would report when asked for.
    private func document(for snapshot: Snapshot) -> InventoryDocument {
        let problems = namingProblems ? CompiledZone(snapshot: snapshot, settings: options.zone).problems : []
        return InventoryDocument(snapshot: snapshot, loaded: true, problems: problems)
    }

    struct PersistedSnapshot {
        var snapshot: Snapshot
        var path: String
        /// Since the file was last written.
        var age: TimeInterval
    }

    static func loadSnapshot(_ path: String) -> PersistedSnapshot? {
        guard case .loaded(let snapshot) = SnapshotFile(path: path).load() else { return nil }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? snapshot.generatedAt
        return PersistedSnapshot(snapshot: snapshot, path: path, age: max(0, Date().timeIntervalSince(modified)))
    }

    private func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func describe(age: TimeInterval) -> String {
        switch age {
        case ..<120: return "\(Int(age)) s"
        case ..<7200: return "\(Int(age / 60)) min"
        case ..<172_800: return "\(Int(age / 3600)) h"
        default: return "\(Int(age / 86400)) days"
        }
    }
}

extension InventoryLookup.InstanceQuery {
    /// `name=…&region=…`, each value percent-encoded.
    var queryString: String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "name=\(encoded(name))" + (region.map { "&region=\(encoded($0))" } ?? "")
    }
}

public struct LookupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
