import EC2Zone
import Inventory
import Logging
import Synchronization

/// Compiles every published snapshot into a zone and hands it to the DNS handler. Compiling happens on the
/// publisher's task, never on an event loop, so a refresh of 10,000 instances does not delay a query.
final class ZonePublisher: Sendable {
    let handler: ZoneQueryHandler
    private let settings: ZoneSettings
    private let logger: Logger
    private let reportedProblems = Mutex<[NamingProblem]>([])

    init(settings: ZoneSettings, store: SnapshotStore, logger: Logger) {
        self.settings = settings
        self.logger = logger
        handler = ZoneQueryHandler(
            zone: store.isLoaded
                ? CompiledZone(snapshot: store.current, settings: settings) : .notReady(settings: settings))
        // The store keeps the publisher alive: nothing else needs to hold it.
        store.observe { snapshot in self.publish(snapshot) }
    }

    private func publish(_ snapshot: Snapshot) {
        let zone = CompiledZone(snapshot: snapshot, settings: settings)
        handler.publish(zone)
        logger.debug("zone published", metadata: ["serial": "\(zone.serial)", "names": "\(zone.instanceCount)"])
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
