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
        notifier: NotifySender? = nil
    ) {
        self.settings = Mutex(settings)
        self.store = store
        self.logger = logger
        self.transfers = transfers
        self.notifier = notifier
        let initial = store.isLoaded ? CompiledZone(snapshot: store.current, settings: settings) : .notReady(settings: settings)
        handler = ZoneQueryHandler(zone: initial, transfers: transfers)
        if let transfers {
            _ = transfers.zoneCompiled(initial)
            transfers.restoreJournal()
        }
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
        let startedCPU = ThreadCPUTime.now()
        let zone = CompiledZone(snapshot: snapshot, settings: currentSettings)
        let compiled = ContinuousClock.now - started
        let compiledCPU = ThreadCPUTime.now() - startedCPU
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

    /// Naming problems are logged when they change, not on every refresh, so a standing duplicate does not
    /// flood the log once a minute.
    private func reportProblemsIfChanged(_ problems: [NamingProblem]) {
        let changed = reportedProblems.withLock { reported in
            defer { reported = problems }
            return reported != problems
        }
        guard changed else { return }
        for problem in problems {
            logger.warning(
                "naming problem",
                metadata: [
                    "kind": "\(problem.kind.rawValue)", "name": "\(problem.name)",
                    "instances": "\(problem.instanceIDs.joined(separator: ","))", "detail": "\(problem.detail)",
                ])
        }
    }
}
