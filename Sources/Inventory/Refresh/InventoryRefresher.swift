import FednsSupport
import Foundation
import Logging
import ServiceLifecycle

/// How discovery refreshes.
public struct RefreshOptions: Sendable, Hashable {
    public var regions: RegionSelection
    /// Credentials profiles to read, each one account; nil stands for the default credential chain.
    public var profiles: [String?]
    public var interval: Duration
    /// Scope fetches (profile x region) in flight at once.
    public var maxConcurrency: Int
    /// How often `regions = "all"` asks DescribeRegions again.
    public var regionRescanInterval: Duration
    /// Where the last good snapshot is kept, if anywhere.
    public var snapshotPath: String?

    public init(
        regions: RegionSelection, profiles: [String?] = [nil], interval: Duration = .seconds(60),
        maxConcurrency: Int = 8, regionRescanInterval: Duration = .seconds(3600), snapshotPath: String? = nil
    ) {
        self.regions = regions
        self.profiles = profiles
        self.interval = interval
        self.maxConcurrency = maxConcurrency
        self.regionRescanInterval = regionRescanInterval
        self.snapshotPath = snapshotPath
    }
}

/// What one refresh did, for logs, tests and `fedns instances`.
public struct RefreshReport: Sendable {
    public var snapshot: Snapshot
    /// Scopes read successfully in this refresh.
    public var succeeded: [DiscoveryScope]
    /// Scopes that failed in this refresh, with the reason; their last good data is still served.
    public var failed: [(scope: DiscoveryScope, reason: String)]
    public var duration: Duration

    public init(
        snapshot: Snapshot, succeeded: [DiscoveryScope], failed: [(scope: DiscoveryScope, reason: String)] = [],
        duration: Duration = .zero
    ) {
        self.snapshot = snapshot
        self.succeeded = succeeded
        self.failed = failed
        self.duration = duration
    }
}

/// Keeps the inventory fresh in the background. DNS never waits for it: each refresh builds a complete snapshot
/// and publishes it to the store in one swap.
///
/// Serve-stale: a scope that fails keeps the instances of its last good read, the failure is logged once with
/// the reason, and the next refresh tries again. A scope that never loaded is reported, not fatal. After every
/// refresh in which something loaded, the snapshot is written to disk atomically; at start it is read back, so
/// the first answer needs no AWS call and an AWS outage across a restart still serves the last known fleet.
public actor InventoryRefresher: Service {
    private let source: any InstanceSource
    private var settings: RefreshOptions
    private let store: SnapshotStore
    private let logger: Logger
    private let file: SnapshotFile?
    /// Where refreshes run (reading, parsing, assembling, publishing, saving); nil: Swift's shared pool.
    private let executor: (any TaskExecutor)?

    /// The last good instances and status of every scope ever read.
    private(set) var scopes: [DiscoveryScope: ScopeState] = [:]
    private var regionsByProfile: [String: (regions: [String], fetched: ContinuousClock.Instant)] = [:]
    /// What the snapshot file holds: the serial and failing scopes written last, and when.
    private var saved: (serial: UInt32, failing: Set<DiscoveryScope>, at: ContinuousClock.Instant)?
    /// An unchanged inventory is rewritten this often anyway, to keep the statuses in the file fresh.
    static let unchangedSnapshotRewriteInterval: Duration = .seconds(600)

    /// The sleep between refreshes; cancelling it starts the next refresh early.
    private var sleeper: Task<Void, Never>?
    /// A refresh was requested while none was being waited for; the next wait returns at once.
    private var wakeUpPending = false

    struct ScopeState {
        var instances: [Instance]
        var status: SourceStatus
        /// The kind of failure already logged (`RefreshFailureKind`), so a standing failure is logged when it
        /// starts and when it changes, not at every refresh.
        var loggedError: String?
    }

    /// - Parameter executor: where refreshes run. The server passes its `BackgroundThread`, so that a refresh,
    ///   and the zone compile that its publish triggers, only take CPU time that queries do not want.
    public init(
        source: any InstanceSource, settings: RefreshOptions, store: SnapshotStore, logger: Logger,
        executor: (any TaskExecutor)? = nil
    ) {
        self.source = source
        self.executor = executor
        self.settings = settings
        self.store = store
        self.logger = logger
        self.file = settings.snapshotPath.map(SnapshotFile.init)
    }

    /// Loads the persisted snapshot, if there is a usable one, and publishes it with its serial.
    @discardableResult
    public func loadPersisted() -> Bool {
        guard let file else { return false }
        switch file.load() {
        case .missing:
            logger.info("no persisted snapshot yet", metadata: ["path": "\(file.path)"])
            return false
        case .unusable(let reason):
            logger.warning("ignoring the persisted snapshot", metadata: ["reason": "\(reason)"])
            return false
        case .loaded(let snapshot):
            for status in snapshot.sources {
                let scope = DiscoveryScope(profile: status.profile, region: status.region)
                scopes[scope] = ScopeState(instances: [], status: status)
            }
            for instance in snapshot.instances {
                let scope = DiscoveryScope(profile: instance.profile, region: instance.region)
                scopes[scope, default: ScopeState(instances: [], status: SourceStatus(region: scope.region, profile: scope.profile))]
                    .instances.append(instance)
            }
            store.publish(snapshot, keepingSerial: true)
            logger.info(
                "persisted snapshot loaded",
                metadata: [
                    "path": "\(file.path)", "instances": "\(snapshot.instances.count)", "serial": "\(snapshot.serial)",
                    "generated": "\(ISO8601.format(snapshot.generatedAt))",
                ])
            return true
        }
    }

    /// New settings from a configuration reload: regions, profiles, interval and concurrency apply from the next
    /// refresh, which starts at once. (The snapshot path is fixed for the life of the process.)
    public func update(settings newSettings: RefreshOptions) {
        var next = newSettings
        next.snapshotPath = settings.snapshotPath
        guard next != settings else { return }
        settings = next
        regionsByProfile = [:]
        requestRefresh()
    }

    /// Asks the running loop to refresh now (SIGHUP, `--refresh`).
    public func requestRefresh() {
        if let sleeper {
            sleeper.cancel()
        } else {
            wakeUpPending = true
        }
    }

    public func run() async throws {
        // The preference is inherited by the fetch tasks, and this actor (a default actor) runs its code on it too.
        await withTaskExecutorPreference(executor) {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                // A refresh in flight when shutdown begins is abandoned: with AWS unreachable or throttling it can
                // spend up to a whole interval in retries, and the stop should not wait for that.
                _ = await cancelWhenGracefulShutdown { await self.refresh() }
                MemoryReturn.releaseFreedHeap()  // the refresh's decoded responses and garbage are gone by now
                await sleepUntilNextRefresh()
            }
            // A last write on the way out, so the next start serves exactly what this process served.
            if let file, store.isLoaded {
                do {
                    try file.save(store.current)
                } catch {
                    logger.error("cannot write the snapshot", metadata: ["path": "\(file.path)", "error": "\(error)"])
                }
            }
        }
    }

    /// Sleeps for the refresh interval, or less when a refresh is requested, shutdown begins or the task is
    /// cancelled. The sleep is a task of its own so that any of those can end it by cancelling it.
    private func sleepUntilNextRefresh() async {
        if wakeUpPending {
            wakeUpPending = false
            return
        }
        let interval = settings.interval
        let sleeper = Task<Void, Never> { _ = try? await Task.sleep(for: interval) }
        self.sleeper = sleeper
        await withTaskCancellationOrGracefulShutdownHandler {
            await sleeper.value
        } onCancelOrGracefulShutdown: {
            sleeper.cancel()
        }
        self.sleeper = nil
    }

    /// One refresh: read every scope (bounded concurrency), keep the last good data of the ones that fail,
    /// publish the whole, and persist it.
    @discardableResult
    public func refresh() async -> RefreshReport {
        let started = ContinuousClock.now
        let wanted = await scopesToRead()
        let results = await fetch(wanted)
        if Task.isCancelled {
            // Stopped part-way (shutdown): what was read is incomplete, and the failures are the cancellation's,
            // not AWS's. Nothing is recorded, logged or published; the last good snapshot stays as it is.
            logger.info("refresh abandoned: shutting down")
            let current = store.isLoaded ? store.current : .empty
            return RefreshReport(snapshot: current, succeeded: [], duration: ContinuousClock.now - started)
        }
        let now = Date()
        var succeeded: [DiscoveryScope] = []
        var failed: [(scope: DiscoveryScope, reason: String)] = []
        for (scope, result) in results.sorted(by: { $0.key < $1.key }) {
            var state = scopes[scope] ?? ScopeState(instances: [], status: SourceStatus(region: scope.region, profile: scope.profile))
            state.status.lastAttempt = now
            switch result {
            case .success(let instances):
                let previous = state.instances
                state.instances = instances.map { instance in
                    var instance = instance
                    instance.profile = scope.profile
                    if instance.region.isEmpty || instance.region == "unknown" { instance.region = scope.region }
                    return instance
                }
                // The store would keep its own values of the unchanged instances and this scope the new ones: the
                // same instances twice. Kept here, the store finds them identical and the response's copies go.
                state.instances.reuseUnchanged(from: previous)
                state.status.lastSuccess = now
                state.status.lastError = nil
                state.status.instanceCount = instances.count
                state.status.account = instances.first?.account ?? state.status.account
                if state.loggedError != nil {
                    logger.info("scope recovered", metadata: ["scope": "\(scope)", "instances": "\(instances.count)"])
                }
                state.loggedError = nil
                succeeded.append(scope)
            case .failure(let reason, let kind):
                state.status.lastError = reason
                failed.append((scope, reason))
                if state.loggedError != kind {
                    let age = state.status.lastSuccess.map { "last good data from \(ISO8601.format($0))" } ?? "never loaded"
                    logger.error(
                        "refresh failed; serving the last good data",
                        metadata: ["scope": "\(scope)", "reason": "\(reason)", "stale": "\(age)"])
                    state.loggedError = kind
                }
            }
            scopes[scope] = state
        }

        let snapshot = assembleSnapshot(generatedAt: now)
        let published: Snapshot
        if !succeeded.isEmpty {
            published = store.publish(snapshot)
        } else if store.isLoaded {
            // Nothing new: keep serving exactly what is there, with fresher statuses.
            var current = store.current
            current.sources = snapshot.sources
            published = store.publish(current)
        } else {
            // Never loaded anything: publishing would turn "no data yet" into an empty zone, which answers
            // NXDOMAIN for every name. Stay unloaded; DNS answers SERVFAIL until a refresh succeeds.
            published = snapshot
            logger.error("no inventory loaded yet; DNS answers SERVFAIL for the zone until a refresh succeeds")
        }
        if !succeeded.isEmpty {
            saveIfChanged(published, failing: Set(failed.map(\.scope)))
        }
        let duration = ContinuousClock.now - started
        logger.info(
            "refresh complete",
            metadata: [
                "instances": "\(published.instances.count)", "scopes_ok": "\(succeeded.count)",
                "scopes_failed": "\(failed.count)", "serial": "\(published.serial)",
                "ms": "\(Int(duration / .milliseconds(1)))",
            ])
        return RefreshReport(snapshot: published, succeeded: succeeded, failed: failed, duration: duration)
    }

    /// Writes the snapshot when the instances or the set of failing scopes changed, or every ten minutes: an
    /// unchanged fleet is not re-encoded (several megabytes for 10,000 instances) on every refresh.
    private func saveIfChanged(_ snapshot: Snapshot, failing: Set<DiscoveryScope>) {
        guard let file else { return }
        if let saved, saved.serial == snapshot.serial, saved.failing == failing,
            ContinuousClock.now - saved.at < Self.unchangedSnapshotRewriteInterval
        {
            return
        }
        do {
            try file.save(snapshot)
            saved = (snapshot.serial, failing, ContinuousClock.now)
        } catch {
            logger.error("cannot write the snapshot", metadata: ["path": "\(file.path)", "error": "\(error)"])
        }
    }

    /// Every (profile, region) to read this time; `regions = "all"` is resolved per profile and re-scanned hourly.
    private func scopesToRead() async -> [DiscoveryScope] {
        var result: [DiscoveryScope] = []
        for profile in settings.profiles {
            switch settings.regions {
            case .list(let regions):
                result += regions.map { DiscoveryScope(profile: profile, region: $0) }
            case .all:
                let key = profile ?? ""
                if let cached = regionsByProfile[key], ContinuousClock.now - cached.fetched < settings.regionRescanInterval {
                    result += cached.regions.map { DiscoveryScope(profile: profile, region: $0) }
                    continue
                }
                do {
                    let regions = try await source.regions(profile: profile).sorted()
                    regionsByProfile[key] = (regions, ContinuousClock.now)
                    result += regions.map { DiscoveryScope(profile: profile, region: $0) }
                } catch {
                    if Task.isCancelled { return [] }  // shutting down: refresh() abandons this one
                    // Keep reading the regions known before; without any, the profile's known scopes remain.
                    let known = regionsByProfile[key]?.regions ?? scopes.keys.filter { $0.profile == profile }.map(\.region)
                    logger.error(
                        "cannot list regions; using the regions known before",
                        metadata: ["profile": "\(profile ?? "default")", "reason": "\(error)", "known": "\(known.count)"])
                    result += known.map { DiscoveryScope(profile: profile, region: $0) }
                }
            }
        }
        return Array(Set(result)).sorted()
    }

    enum FetchResult: Sendable {
        case success([Instance])
        /// What the operator is told, and the kind of failure it is (the same reason text when the error does not
        /// say).
        case failure(String, kind: String)
    }

    private func fetch(_ wanted: [DiscoveryScope]) async -> [DiscoveryScope: FetchResult] {
        let source = source
        let limit = max(1, settings.maxConcurrency)
        // A plain loop over the group, no helper closure capturing it: Swift 6.3.1's optimizer miscompiled that
        // shape in release builds (a crash in TaskGroup when a child completed).
        return await withTaskGroup(of: (DiscoveryScope, FetchResult).self) { group in
            var results: [DiscoveryScope: FetchResult] = [:]
            var pending = wanted.makeIterator()
            for _ in 0..<limit {
                guard let scope = pending.next() else { break }
                group.addTask { await Self.read(scope, from: source) }
            }
            while let (scope, result) = await group.next() {
                results[scope] = result
                if let next = pending.next() {
                    group.addTask { await Self.read(next, from: source) }
                }
            }
            return results
        }
    }

    private static func read(_ scope: DiscoveryScope, from source: any InstanceSource) async -> (DiscoveryScope, FetchResult) {
        do {
            return (scope, .success(try await source.instances(in: scope)))
        } catch {
            let reason = "\(error)"
            return (scope, .failure(reason, kind: (error as? any RefreshFailureKind)?.failureKind ?? reason))
        }
    }

    /// All scopes' last good instances as one snapshot; an instance seen through two profiles appears once.
    private func assembleSnapshot(generatedAt: Date) -> Snapshot {
        var seen = Set<String>()
        var instances: [Instance] = []
        for scope in scopes.keys.sorted() {
            for instance in scopes[scope]?.instances ?? [] where seen.insert(instance.id).inserted {
                instances.append(instance)
            }
        }
        let sources = scopes.keys.sorted().compactMap { scopes[$0]?.status }
        return Snapshot(generatedAt: generatedAt, instances: instances, sources: sources)
    }
}
