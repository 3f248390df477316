import FednsSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import Inventory

/// A source whose answers each test scripts: per scope, either instances or an error.
final class ScriptedSource: InstanceSource {
    struct Failure: Error, CustomStringConvertible, RefreshFailureKind {
        var description: String
        /// What stays the same while the details change (as `AWSClientError` says it); the description when nil.
        var kind: String? = nil

        var failureKind: String { kind ?? description }
    }

    private let state = Mutex<State>(State())

    struct State {
        var answers: [DiscoveryScope: Result<[Instance], Failure>] = [:]
        var regions: Result<[String], Failure> = .success([])
        var inFlight = 0
        var maxInFlight = 0
        var calls = 0
    }

    func set(_ scope: DiscoveryScope, _ answer: Result<[Instance], Failure>) {
        state.withLock { $0.answers[scope] = answer }
    }

    func setRegions(_ answer: Result<[String], Failure>) {
        state.withLock { $0.regions = answer }
    }

    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    var calls: Int { state.withLock { $0.calls } }

    func instances(in scope: DiscoveryScope) async throws -> [Instance] {
        state.withLock {
            $0.inFlight += 1
            $0.calls += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
        try? await Task.sleep(for: .milliseconds(20))
        let answer = state.withLock {
            $0.inFlight -= 1
            return $0.answers[scope] ?? .failure(Failure(description: "no script for \(scope)"))
        }
        return try answer.get()
    }

    func regions(profile: String?) async throws -> [String] {
        try state.withLock { $0.regions }.get()
    }
}

private func web(_ id: String, _ region: String, account: String = "111") -> Instance {
    Instance(id: id, name: "web-\(id)", region: region, account: account, privateIPv4: ["10.0.0.1"])
}

private let east = DiscoveryScope(profile: nil, region: "us-east-1")
private let west = DiscoveryScope(profile: nil, region: "eu-west-1")

@Suite("Refresher")
struct RefresherTests {
    let logger = Logger(label: "test")

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fedns-snap-\(UUID().uuidString)/snapshot.json").path
    }

    @Test("every scope is read, published as one snapshot and persisted")
    func readsAndPersists() async throws {
        let source = ScriptedSource()
        source.set(east, .success([web("i-1", "us-east-1")]))
        source.set(west, .success([web("i-2", "eu-west-1")]))
        let path = temporaryPath()
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1", "eu-west-1"]), snapshotPath: path),
            store: store, logger: logger)
        let report = await refresher.refresh()
        #expect(report.failed.isEmpty)
        #expect(Set(store.current.instances.map(\.id)) == ["i-1", "i-2"])
        #expect(store.current.sources.map(\.region).sorted() == ["eu-west-1", "us-east-1"])
        #expect(store.current.sources.allSatisfy { $0.lastSuccess != nil && $0.lastError == nil })
        guard case .loaded(let persisted) = SnapshotFile(path: path).load() else {
            Issue.record("snapshot not persisted")
            return
        }
        #expect(persisted.serial == store.current.serial)
        #expect(persisted.instances.count == 2)
    }

    @Test("a scope keeps the values of its instances that did not change, so the store and it share one copy")
    func scopesShareUnchanged() async throws {
        func fleet(_ third: String) throws -> [Instance] {
            // Decoded each time, as AWS responses are: strings in storage of their own (longer than 15 bytes).
            let json = #"{"instances":[{"id":"i-0000000000000001","name":"appserver-frontend-1","region":"us-east-1"},"#
                + #"{"id":"i-0000000000000002","name":"appserver-frontend-\#(third)","region":"us-east-1"}]}"#
            return try Snapshot.decode(Data(json.utf8)).instances
        }
        func storage(_ string: String?) -> UnsafePointer<UInt8>? {
            string?.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil
        }
        let source = ScriptedSource()
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"])), store: store, logger: logger)
        source.set(east, .success(try fleet("2")))
        await refresher.refresh()
        let first = store.current.instances
        source.set(east, .success(try fleet("two")))
        await refresher.refresh()
        let held = try #require(await refresher.scopes[east]).instances
        #expect(held.map(\.name) == ["appserver-frontend-1", "appserver-frontend-two"])
        #expect(storage(held[0].name) == storage(first[0].name))
        #expect(storage(store.current.instances[0].name) == storage(first[0].name))
        #expect(storage(held[1].name) == storage(store.current.instances[1].name))
    }

    @Test("an unchanged inventory is not rewritten on every refresh; a change is")
    func rewriteOnlyOnChange() async throws {
        let source = ScriptedSource()
        source.set(east, .success([web("i-1", "us-east-1")]))
        let path = temporaryPath()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"]), snapshotPath: path),
            store: SnapshotStore(), logger: logger)
        func modified() throws -> Date? {
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        }
        await refresher.refresh()
        let first = try modified()
        try await Task.sleep(for: .milliseconds(50))
        await refresher.refresh()
        #expect(try modified() == first)
        source.set(east, .success([web("i-1", "us-east-1"), web("i-2", "us-east-1")]))
        await refresher.refresh()
        #expect(try modified() != first)
        guard case .loaded(let saved) = SnapshotFile(path: path).load() else {
            Issue.record("snapshot unreadable")
            return
        }
        #expect(saved.instances.count == 2)
    }

    @Test("a failing scope keeps serving its last good data; the others move on")
    func serveStale() async throws {
        let source = ScriptedSource()
        source.set(east, .success([web("i-1", "us-east-1")]))
        source.set(west, .success([web("i-2", "eu-west-1")]))
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1", "eu-west-1"])), store: store,
            logger: logger)
        await refresher.refresh()
        source.set(east, .failure(.init(description: "RequestLimitExceeded: Request limit exceeded.")))
        source.set(west, .success([web("i-2", "eu-west-1"), web("i-3", "eu-west-1")]))
        let report = await refresher.refresh()
        #expect(report.failed.map(\.scope) == [east])
        #expect(Set(store.current.instances.map(\.id)) == ["i-1", "i-2", "i-3"])
        let eastStatus = try #require(store.current.sources.first { $0.region == "us-east-1" })
        #expect(eastStatus.lastError?.contains("RequestLimitExceeded") == true)
        #expect(eastStatus.lastSuccess != nil)
        // Recovery replaces the stale data.
        source.set(east, .success([]))
        await refresher.refresh()
        #expect(Set(store.current.instances.map(\.id)) == ["i-2", "i-3"])
    }

    @Test("a standing failure is logged once while its details change, and again when its kind changes")
    func standingFailureLoggedOnce() async {
        let source = ScriptedSource()
        source.set(east, .success([web("i-1", "us-east-1")]))
        let logs = CapturedLogs()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"])), store: SnapshotStore(), logger: logs.logger)
        await refresher.refresh()
        for attempt in 1...4 {
            // The text changes at every refresh (attempt counts, timings), the kind does not.
            source.set(east, .failure(.init(description: "throttled after \(attempt) attempts", kind: "throttling")))
            await refresher.refresh()
        }
        source.set(east, .failure(.init(description: "AccessDenied", kind: "auth")))
        await refresher.refresh()
        let failures = logs.all.filter { $0.contains("refresh failed") }
        #expect(failures.count == 2)
        #expect(failures.first?.contains("throttled after 1 attempts") == true)
        #expect(failures.last?.contains("AccessDenied") == true)
        // The status keeps the latest text.
        source.set(east, .failure(.init(description: "AccessDenied again", kind: "auth")))
        let report = await refresher.refresh()
        #expect(report.failed.first?.reason == "AccessDenied again")
        #expect(logs.all.filter { $0.contains("refresh failed") }.count == 2)
    }

    @Test("when nothing has ever loaded, nothing is published (no empty zone)")
    func neverLoaded() async {
        let source = ScriptedSource()
        source.set(east, .failure(.init(description: "no credentials")))
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"])), store: store, logger: logger)
        let report = await refresher.refresh()
        #expect(!store.isLoaded)
        #expect(report.failed.first?.reason == "no credentials")
    }

    @Test("the persisted snapshot is served at start and across a failing refresh")
    func persistedAtStart() async throws {
        let path = temporaryPath()
        var persisted = Snapshot(serial: 777, instances: [web("i-9", "us-east-1")], sources: [SourceStatus(region: "us-east-1", lastSuccess: Date())])
        persisted.generatedAt = Date(timeIntervalSince1970: 1_790_000_000)
        try SnapshotFile(path: path).save(persisted)
        let source = ScriptedSource()
        source.set(east, .failure(.init(description: "network unreachable")))
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"]), snapshotPath: path), store: store,
            logger: logger)
        #expect(await refresher.loadPersisted())
        #expect(store.current.serial == 777)
        #expect(store.current.instances.map(\.id) == ["i-9"])
        await refresher.refresh()
        #expect(store.current.instances.map(\.id) == ["i-9"])
        #expect(store.current.serial == 777)
    }

    @Test("a corrupt persisted snapshot is reported and ignored")
    func corruptPersisted() async throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("{\"instances\": [trunc".utf8).write(to: URL(fileURLWithPath: path))
        guard case .unusable(let reason) = SnapshotFile(path: path).load() else {
            Issue.record("corrupt snapshot accepted")
            return
        }
        #expect(reason.contains(path))
        let refresher = InventoryRefresher(
            source: ScriptedSource(), settings: RefreshOptions(regions: .list([]), snapshotPath: path),
            store: SnapshotStore(), logger: logger)
        #expect(await refresher.loadPersisted() == false)
    }

    @Test("regions = all lists regions per profile and keeps the known ones when listing fails")
    func allRegions() async throws {
        let source = ScriptedSource()
        source.setRegions(.success(["us-east-1", "eu-west-1"]))
        source.set(east, .success([web("i-1", "us-east-1")]))
        source.set(west, .success([web("i-2", "eu-west-1")]))
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .all, regionRescanInterval: .zero), store: store,
            logger: logger)
        await refresher.refresh()
        #expect(store.current.instances.count == 2)
        source.setRegions(.failure(.init(description: "DescribeRegions throttled")))
        let report = await refresher.refresh()
        #expect(Set(report.succeeded) == [east, west])
    }

    @Test("fan-out respects max_concurrency")
    func concurrency() async {
        let source = ScriptedSource()
        let regions = (1...12).map { "r-\($0)" }
        for region in regions { source.set(DiscoveryScope(profile: nil, region: region), .success([])) }
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(regions), maxConcurrency: 3), store: SnapshotStore(),
            logger: logger)
        await refresher.refresh()
        #expect(source.calls == 12)
        #expect(source.maxInFlight == 3)
    }

    @Test("profiles are separate scopes; an instance seen through two of them appears once")
    func profiles() async {
        let source = ScriptedSource()
        let shared = web("i-shared", "us-east-1")
        source.set(DiscoveryScope(profile: "a", region: "us-east-1"), .success([shared, web("i-a", "us-east-1")]))
        source.set(DiscoveryScope(profile: "b", region: "us-east-1"), .success([shared]))
        let store = SnapshotStore()
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"]), profiles: ["a", "b"]), store: store,
            logger: logger)
        await refresher.refresh()
        #expect(store.current.instances.map(\.id).sorted() == ["i-a", "i-shared"])
        #expect(store.current.instances.first { $0.id == "i-a" }?.profile == "a")
    }

    @Test("a refresh requested while none is awaited is not lost")
    func requestedRefresh() async throws {
        let source = ScriptedSource()
        source.set(east, .success([]))
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1"]), interval: .seconds(3600)),
            store: SnapshotStore(), logger: logger)
        let running = Task { try await refresher.run() }
        defer { running.cancel() }
        // Other suites may keep the cooperative pool busy, so wait on the condition, not a fixed time.
        try await waitUntil { source.calls == 1 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(source.calls == 1)  // the hour-long interval holds the next refresh back
        await refresher.requestRefresh()
        try await waitUntil { source.calls == 2 }
    }

    @Test("shutdown abandons a refresh stuck in AWS retries: the service stops at once and nothing is recorded")
    func shutdownAbandonsARefresh() async throws {
        let path = temporaryPath()
        try SnapshotFile(path: path).save(
            Snapshot(serial: 41, instances: [web("i-1", "us-east-1")], sources: [SourceStatus(region: "us-east-1", lastSuccess: Date())]))
        let source = StuckSource()
        let store = SnapshotStore()
        let logs = CapturedLogs()
        let refresher = InventoryRefresher(
            source: source,
            settings: RefreshOptions(regions: .list(["us-east-1", "eu-west-1"]), interval: .seconds(3600), snapshotPath: path),
            store: store, logger: logs.logger)
        #expect(await refresher.loadPersisted())
        let group = ServiceGroup(services: [refresher], logger: logger)
        let stopped = Atomic<Bool>(false)
        let running = Task {
            try await group.run()
            stopped.store(true, ordering: .relaxed)
        }
        try await waitUntil { source.reads == 2 }  // both scopes are in their (endless) retries
        await group.triggerGracefulShutdown()
        // The source would hold the refresh for an hour; the bound only tells "stopped" from "waited for it".
        try await waitUntil { stopped.load(ordering: .relaxed) }
        running.cancel()  // if it did not stop, cancelling ends the wait (and the test has failed above)
        try await running.value
        #expect(source.cancelled == 2)
        // The cancelled reads are not failures of AWS: no scope is marked failed, nothing new is published, and the
        // snapshot written on the way out is still the one that was served.
        #expect(!logs.all.contains { $0.contains("refresh failed") })
        #expect(store.current.serial == 41)
        #expect(store.current.sources.allSatisfy { $0.lastError == nil })
        guard case .loaded(let saved) = SnapshotFile(path: path).load() else {
            Issue.record("snapshot unreadable after shutdown")
            return
        }
        #expect(saved.serial == 41)
        #expect(saved.instances.map(\.id) == ["i-1"])
    }

    @Test("on a background thread, the whole refresh runs at idle priority: the reads, and the publish that compiles the zone")
    func refreshRunsOnTheBackgroundThread() async throws {
        let background = await BackgroundThread()
        #expect(background.priority == .idle)
        let source = PriorityRecordingSource()
        let store = SnapshotStore()
        let publishedAtIdle = Mutex<[Bool]>([])
        store.observe { _ in publishedAtIdle.withLock { $0.append(BackgroundThread.currentThreadIsIdlePriority) } }
        let refresher = InventoryRefresher(
            source: source, settings: RefreshOptions(regions: .list(["us-east-1", "eu-west-1"]), interval: .seconds(3600)),
            store: store, logger: logger, executor: background)
        let running = Task { try await refresher.run() }
        try await waitUntil { !publishedAtIdle.withLock { $0 }.isEmpty }
        running.cancel()
        _ = try? await running.value
        #expect(publishedAtIdle.withLock { $0 } == [true])
        // Both scopes, before and after a suspension (where the HTTP response would be awaited).
        #expect(source.readsAtIdle == [true, true, true, true])
        #expect(!BackgroundThread.currentThreadIsIdlePriority)  // the test's own thread kept its priority
        try await background.shutdown()
    }
}

/// A source whose every read waits as AWS retries would for a throttled scope, until its task is cancelled.
final class StuckSource: InstanceSource {
    private let counts = Mutex<(reads: Int, cancelled: Int)>((0, 0))
    var reads: Int { counts.withLock { $0.reads } }
    var cancelled: Int { counts.withLock { $0.cancelled } }

    func instances(in scope: DiscoveryScope) async throws -> [Instance] {
        counts.withLock { $0.reads += 1 }
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            counts.withLock { $0.cancelled += 1 }
            throw error
        }
        return []
    }

    func regions(profile: String?) async throws -> [String] { [] }
}

/// Answers every scope with one instance and notes whether each step of the read ran at idle priority.
final class PriorityRecordingSource: InstanceSource {
    private let steps = Mutex<[Bool]>([])
    var readsAtIdle: [Bool] { steps.withLock { $0 } }

    func instances(in scope: DiscoveryScope) async throws -> [Instance] {
        steps.withLock { $0.append(BackgroundThread.currentThreadIsIdlePriority) }
        try await Task.sleep(for: .milliseconds(5))
        steps.withLock { $0.append(BackgroundThread.currentThreadIsIdlePriority) }
        return [web("i-\(scope.region)", scope.region)]
    }

    func regions(profile: String?) async throws -> [String] { [] }
}

/// Polls `condition` for up to thirty seconds. The bound only tells "never happens" from "happens": the whole
/// suite runs in parallel on as many threads as the machine has cores, and CPU-heavy tests elsewhere can hold
/// them for seconds, so a tighter bound failed on busy machines while the behaviour was right.
func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 30 s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
