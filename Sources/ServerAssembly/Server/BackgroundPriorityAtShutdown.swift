import FednsSupport
import Logging
import ServiceLifecycle

/// When the server begins to stop, gives the background thread (refreshes, host keys) its ordinary priority back,
/// so that what is left on it (abandoning a refresh, writing the last snapshot, closing AWS connections) does not
/// wait behind every other process on a busy machine. By then no query needs protecting from it.
struct BackgroundPriorityAtShutdown: Service {
    let background: BackgroundThread
    let logger: Logger

    func run() async throws {
        // Returns when shutdown begins; cancellation (the group failing) needs nothing done.
        guard (try? await gracefulShutdown()) != nil else { return }
        guard background.priority == .idle else { return }
        if !background.restoreNormalPriority() {
            logger.debug(
                "the background thread keeps SCHED_IDLE while stopping (needs CAP_SYS_NICE or LimitNICE=+0)")
        }
    }
}
