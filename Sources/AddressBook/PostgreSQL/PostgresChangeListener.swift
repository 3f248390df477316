import Logging
import PostgresNIO
import Synchronization

/// Listens, on a connection of its own, for the notification every write sends in its transaction
/// (``PostgresBackend/changeChannel``), so that a mirror reloads as soon as any replica or command commits a change
/// rather than at its next poll.
///
/// A notification only wakes the mirror, which then reads the version counter as always: a lost or doubled
/// notification costs latency, never correctness, and the mirror's poll stays the fallback. The connection is
/// reopened after it fails (after 250 ms, doubling up to 5 s), and every start of listening wakes the mirror once,
/// because writes made while nobody listened were never notified to us. A partition that leaves the connection
/// open but silent is found by a `SELECT 1` every ``pingInterval``, which must be answered within the statement
/// timeout or the connection is closed and reopened. Failures are logged at debug level only: the mirror's poll
/// already reports an outage, once.
final class PostgresChangeListener: StoreWriteWatch, Sendable {
    static let pingInterval: Duration = .seconds(10)

    private let stopped = Flag()
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let connection = Mutex<PostgresSQLConnection?>(nil)

    init(backend: PostgresBackend, onWrite: @escaping @Sendable () -> Void) {
        let listening = Task { [self] in await listen(backend: backend, onWrite: onWrite) }
        task.withLock { $0 = listening }
    }

    func stop() {
        stopped.raise()
        task.withLock { $0?.cancel() }
        // Closing ends the notification sequence at once, wherever the task is waiting.
        if let open = connection.withLock({ $0 }) { let _: EventLoopFuture<Void> = open.connection.close() }
    }

    static func retryDelay(afterFailures failures: Int) -> Duration {
        .milliseconds(min(250 << min(failures - 1, 5), 5000))
    }

    private func listen(backend: PostgresBackend, onWrite: @escaping @Sendable () -> Void) async {
        var failures = 0
        while !stopped.isRaised, !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                let open = try await backend.connect()
                guard register(open) else {
                    await open.close()
                    return
                }
                // Listening runs in a task of its own so that a failed ping can end it: a notification sequence
                // on a connection that died without a word may never end by itself.
                let session = Task {
                    try await open.connection.listen(on: PostgresBackend.changeChannel) { notifications in
                        // LISTEN is in effect once a later statement on the connection has been answered.
                        _ = try await open.query("SELECT 1", [])
                        if !stopped.isRaised { onWrite() }
                        for try await _ in notifications where !stopped.isRaised { onWrite() }
                    }
                }
                let pinger = Task {
                    await Self.ping(open)
                    session.cancel()
                }
                defer { pinger.cancel() }
                try await withTaskCancellationHandler {
                    try await session.value
                } onCancel: {
                    session.cancel()
                }
            } catch {
                backend.logger.debug(
                    "address book change notifications interrupted",
                    metadata: ["store": "\(backend.location)", "error": "\(backend.explain(error))"])
            }
            if let open = connection.withLock({ current in defer { current = nil }; return current }) { await open.close() }
            // A connection that listened for a while was a success: the next attempt starts from the shortest wait.
            failures = ContinuousClock.now - started > Self.pingInterval ? 1 : failures + 1
            try? await Task.sleep(for: Self.retryDelay(afterFailures: failures))
        }
    }

    /// Keeps `open` for ``stop()`` to close; false when stopped already.
    private func register(_ open: PostgresSQLConnection) -> Bool {
        connection.withLock { current in
            guard !stopped.isRaised else { return false }
            current = open
            return true
        }
    }

    /// Proves the connection alive now and then; returns (closing it) when a ping fails, or when cancelled.
    private static func ping(_ open: PostgresSQLConnection) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: pingInterval)
            guard !Task.isCancelled else { return }
            do {
                _ = try await open.query("SELECT 1", [])
            } catch {
                await open.close()
                return
            }
        }
    }
}

/// A flag raised once, from any thread.
final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)

    var isRaised: Bool { raised.load(ordering: .acquiring) }

    func raise() { raised.store(true, ordering: .releasing) }
}
