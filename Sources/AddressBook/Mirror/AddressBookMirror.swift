import Federation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The address book as the server answers from it: an immutable in-memory ``AddressIndex``, replaced whole
/// whenever the store changes.
///
/// ``run()`` polls the store's change counter (one single-row read) every `pollInterval` (default 500 ms), so a
/// change made by any process, `fedns federation add` included, is served within a second; only then is the book
/// reloaded. Where the store can tell of writes (SQLite, through inotify: ``AddressBookStore/watchWrites(_:)``),
/// a write also ends the wait at once, so `fedns federation add` followed straight away by a lookup finds the
/// address; PostgreSQL tells of writes by NOTIFY, so every replica of one database reloads within moments of a
/// write through any of them. Lookups never wait on the database, and when the database is unreachable the last
/// loaded book keeps being served (logged once per outage, and the recovery once with the outage's length; counted
/// in ``AddressBookMetrics``) until it comes back, when the first poll loads whatever was written meanwhile.
///
/// It is an ``AddressDirectory`` and an ``ImmediateAddressDirectory``, so it goes straight into
/// ``FederationQueryAnswerer`` on an event loop (a lookup takes a lock held for a copy of the index, never the
/// database), and a ServiceLifecycle `Service`, so it runs in the application's service group.
public final class AddressBookMirror: AddressDirectory, ImmediateAddressDirectory, Service, Sendable {
    public let store: any AddressBookStore
    private let logger: Logger
    private let pollInterval: Duration
    private let metrics: AddressBookMetrics

    private struct State {
        var index = AddressIndex.empty
        var version: Int64?
        /// When the current outage began: the first failed poll since the last good one.
        var failingSince: ContinuousClock.Instant?
        var observers: [@Sendable (AddressIndex, Int64) -> Void] = []
    }

    private let state = Mutex(State())
    /// The wait for the next poll, which a write cuts short; `pending` when a write came while polling.
    private let wakeup = Mutex<(sleeper: Task<Void, Never>?, pending: Bool)>((nil, false))
    /// The polls after a write was noticed. A write is seen as its file changes, which can be a moment before the
    /// commit is visible to readers (SQLite publishes it in the WAL index after writing and syncing the frame), so
    /// one look could find the old version; these catch the commit however long the sync takes, up to the next
    /// regular poll.
    static let pollsAfterWrite: [Duration] = [.milliseconds(10), .milliseconds(40), .milliseconds(150)]
    /// One refresh at a time, so two never interleave their version and list reads.
    private let refreshing = AsyncGate()

    public init(
        store: any AddressBookStore, logger: Logger, pollInterval: Duration = .milliseconds(500),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.metrics = AddressBookMetrics(factory: metrics)
    }

    /// The book being served.
    public var index: AddressIndex { state.withLock { $0.index } }

    /// The store version the index was loaded at; nil before the first load.
    public var loadedVersion: Int64? { state.withLock { $0.version } }

    /// Calls `observer` after every reload, with the new index and its version.
    public func observe(_ observer: @escaping @Sendable (AddressIndex, Int64) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Reloads if the store changed since the last load (or nothing is loaded yet). Returns true when it reloaded.
    /// Throws when the store cannot be read; the previous index stays in place.
    @discardableResult
    public func refresh() async throws(AddressBookError) -> Bool {
        await refreshing.acquire()
        defer { refreshing.release() }
        let version: Int64
        let records: [AddressRecord]
        do {
            version = try await store.version()
            guard version != loadedVersion else {
                metrics.storeAnswered()
                return false
            }
            // Listed after the version was read: a write in between makes the list newer than `version`, and the
            // next poll simply loads again.
            records = try await store.list(domain: nil).sorted(by: StoredAddress.preferredFirst).map(\.record)
        } catch {
            metrics.storeFailed()
            throw error
        }
        metrics.storeAnswered()
        let index = AddressIndex(records: records)
        let observers = state.withLock { state in
            state.index = index
            state.version = version
            return state.observers
        }
        metrics.loaded(version: version, addresses: index.count)
        logger.info("address book loaded", metadata: ["store": "\(store.location)", "version": "\(version)", "addresses": "\(index.count)"])
        for observer in observers { observer(index, version) }
        return true
    }

    /// Polls until cancelled or a graceful shutdown, and soon after every write the store tells of.
    public func run() async throws {
        let watch = store.watchWrites { [weak self] in self?.wake() }
        defer { watch?.stop() }
        var followUps: [Duration] = []
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await poll()
            let wait = followUps.isEmpty ? pollInterval : followUps.removeFirst()
            let woken = await cancelWhenGracefulShutdown { await self.sleep(upTo: wait) }
            if woken { followUps = Self.pollsAfterWrite }
        }
    }

    /// Ends the wait for the next poll (or, while polling, the next wait before it starts).
    func wake() {
        wakeup.withLock { wakeup in
            if let sleeper = wakeup.sleeper { sleeper.cancel() } else { wakeup.pending = true }
        }
    }

    /// Waits `duration` or until ``wake()``; true when woken.
    private func sleep(upTo duration: Duration) async -> Bool {
        let sleeper = Task { _ = try? await Task.sleep(for: duration) }
        let pending = wakeup.withLock { wakeup in
            defer { wakeup.pending = false }
            if !wakeup.pending { wakeup.sleeper = sleeper }
            return wakeup.pending
        }
        if pending { sleeper.cancel() }
        await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        return wakeup.withLock { wakeup in
            wakeup.sleeper = nil
            return pending || sleeper.isCancelled
        }
    }

    /// One poll: refresh, logging the first failure of an outage and the recovery, each once.
    func poll() async {
        do {
            try await refresh()
            let since = state.withLock { state in
                defer { state.failingSince = nil }
                return state.failingSince
            }
            if let since {
                let seconds = (ContinuousClock.now - since).components.seconds
                logger.notice(
                    "address book reachable again",
                    metadata: [
                        "store": "\(store.location)", "outage_seconds": "\(seconds)",
                        "version": "\(loadedVersion.map(String.init) ?? "none")",
                    ])
            }
        } catch {
            let first = state.withLock { state in
                defer { state.failingSince = state.failingSince ?? .now }
                return state.failingSince == nil
            }
            if first {
                logger.error(
                    "address book unreadable; serving the last loaded addresses",
                    metadata: ["error": "\(error)", "version": "\(loadedVersion.map(String.init) ?? "none")"])
            }
        }
    }

    // MARK: AddressDirectory, answered from memory

    public func record(named name: UserName, in domain: FederationDomain) -> AddressRecord? {
        index.record(named: name, in: domain)
    }

    public func reverseRecord(for account: AccountID, in domain: FederationDomain?) -> AddressRecord? {
        index.reverseRecord(for: account, in: domain)
    }

    public func hasAddresses(in domain: FederationDomain) -> Bool {
        index.hasAddresses(in: domain)
    }
}
