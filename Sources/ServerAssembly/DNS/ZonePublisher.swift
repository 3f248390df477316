import EC2Zone
import FednsSupport
import Inventory
import Logging
import Synchronization
import ZoneTransfer

/// Compiles every published snapshot into a zone and hands it to the DNS handler. Compiling happens on the
/// publisher's task, never on an event loop, so a refresh of 10,000 instances does not delay a query.
final class ZonePublisher: Sendable {
    let handler: ZoneQueryHandler
    private let settings: Mutex<ZoneOptions>
    private let store: SnapshotStore
    private let logger: Logger
    private let reportedProblems = Mutex<[NamingProblem]>([])
    /// Zone transfers, when `[dns.transfer]` is configured: every compiled zone goes into its journal, and the
    /// secondaries are told of a new serial.
    private let transfers: ZoneTransferService?
    private let notifier: NotifySender?

    init(
        settings: ZoneOptions, store: SnapshotStore, logger: Logger, transfers: ZoneTransferService? = nil,
        notifier: NotifySender? = nil, features: EDNSFeatures = .none
    ) {
        self.settings = Mutex(settings)
        self.store = store
        self.logger = logger
        self.transfers = transfers
        self.notifier = notifier
        let initial = store.isLoaded ? CompiledZone(snapshot: store.current, settings: settings) : .notReady(settings: settings)
        handler = ZoneQueryHandler(zone: initial, transfers: transfers, features: features)
        if let transfers {
            _ = transfers.zoneCompiled(initial)
            transfers.restoreJournal()
        }
        reportProblemsIfChanged(initial.problems)  // a zone not ready yet has none
        // The store keeps the publisher alive: nothing else needs to hold it.
        store.observe { snapshot in self.publish(snapshot) }
    }

    /// New zone settings (a configuration reload): the zone is rebuilt from the current inventory and swapped in
    /// like any refresh, so queries in flight finish with the old one.
    func update(settings newSettings: ZoneOptions) {
        let changed = settings.withLock { current in
            defer { current = newSettings }
            return current != newSettings
        }
        guard changed else { return }
        if store.isLoaded {
            publish(store.current)  // the settings differ from the zone's, so this compiles
        } else {
            handler.publish(.notReady(settings: newSettings))
        }
    }

    private func publish(_ snapshot: Snapshot) {
        // The store keeps the serial when the instances are unchanged (most refreshes): the zone is then the same.
        let current = handler.zone
        let currentSettings = settings.withLock { $0 }
        if current.isReady && current.serial == snapshot.serial && current.settings == currentSettings { return }
        let started = ContinuousClock.now
        let startedCPU = ThreadCPUTime.nowWithSecondThreads()
        let zone = CompiledZone(snapshot: snapshot, settings: currentSettings)
        let compiled = ContinuousClock.now - started
        let compiledCPU = ThreadCPUTime.nowWithSecondThreads() - startedCPU
        // The journal has the new version before any query can see it, so an IXFR for it finds its step.
        let announced = transfers?.zoneCompiled(zone) ?? []
        handler.publish(zone)
        if !announced.isEmpty { notifier?.announce(announced) }
        logger.debug(
            "zone published",
            metadata: [
                "serial": "\(zone.serial)", "names": "\(zone.instanceCount)", "compile_ms": "\(compiled.milliseconds)",
                "compile_cpu_ms": "\(compiledCPU.milliseconds)",
            ])
        reportProblemsIfChanged(zone.problems)
        MemoryReturn.releaseFreedHeap()
    }

    /// Problems logged one line each per change; the rest of a change are counted in one summary line.
    static let problemLinesPerChange = 20

    /// Naming problems are logged when they appear, not on every refresh, so a standing duplicate does not flood the
    /// log once a minute; and only the new ones, at most `problemLinesPerChange` lines, so that a fleet where 3 % of
    /// 100,000 tags need rewriting does not write 3,000 lines at start and again whenever one instance changes.
    /// `fedns instances --problems` and the control endpoint list them all.
    private func reportProblemsIfChanged(_ problems: [NamingProblem]) {
        let previous = reportedProblems.withLock { reported in
            defer { reported = problems }
            return reported
        }
        guard previous != problems else { return }
        let known = Set(previous)
        let new = problems.filter { !known.contains($0) }
        for problem in new.prefix(Self.problemLinesPerChange) {
            logger.warning(
                "naming problem",
                metadata: [
                    "kind": "\(problem.kind.rawValue)", "name": "\(problem.name)",
                    "instances": "\(problem.instanceIDs.joined(separator: ","))", "detail": "\(problem.detail)",
                ])
        }
        guard new.count > Self.problemLinesPerChange else { return }
        var byKind: [String: Int] = [:]
        for problem in new.dropFirst(Self.problemLinesPerChange) { byKind[problem.kind.rawValue, default: 0] += 1 }
        logger.warning(
            "more naming problems",
            metadata: [
                "not_logged": "\(new.count - Self.problemLinesPerChange)",
                "kinds": "\(byKind.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                "total": "\(problems.count)", "list": "fedns instances --problems",
            ])
    }
}
