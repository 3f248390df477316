import AWSClient
import Inventory
import Logging
import ServiceLifecycle

/// Reads the SSH host keys of running instances from what cloud-init printed to their console
/// (`ec2:GetConsoleOutput`), so the zone can publish SSHFP records and the companion commands can verify a first
/// connection without a prompt.
///
/// Each instance is read once: keys found are published into the snapshot (and so persisted with it), and the
/// store keeps them with the instance from then on. Reads are paced to `requestsPerSecond` so a fleet of thousands
/// does not draw on EC2's API rate for minutes on end. An instance whose console has no keys yet (still booting) is
/// tried again with back-off (`firstRetry`, doubling up to `maxRetry`), and given up after `maxAttempts`; a block
/// that cannot be read is logged, naming the instance, and retried the same way; a scope where the call is not
/// allowed is logged once and left alone.
public actor HostKeyCollector: Service {
    public struct Options: Sendable, Hashable {
        public var enabled: Bool
        public var requestsPerSecond: Double
        public var firstRetry: Duration
        public var maxRetry: Duration
        public var maxAttempts: Int

        public init(
            enabled: Bool = true, requestsPerSecond: Double = 5, firstRetry: Duration = .seconds(60),
            maxRetry: Duration = .seconds(6 * 3600), maxAttempts: Int = 12
        ) {
            self.enabled = enabled
            self.requestsPerSecond = requestsPerSecond
            self.firstRetry = firstRetry
            self.maxRetry = maxRetry
            self.maxAttempts = maxAttempts
        }
    }

    /// Reads one instance's console output; nil when it has none yet.
    public typealias ConsoleReader = @Sendable (Instance) async throws -> String?

    private struct Attempts {
        var count: Int
        var next: ContinuousClock.Instant
    }

    private let options: Options
    private let store: SnapshotStore
    private let logger: Logger
    private let read: ConsoleReader
    private let pause: @Sendable (Duration) async -> Void
    /// Where rounds run (the server's idle-priority thread); nil: Swift's shared pool.
    private let executor: (any TaskExecutor)?
    private var attempts: [String: Attempts] = [:]
    /// Scopes (`profile/region`) where GetConsoleOutput is not allowed.
    private var refusedScopes: Set<String> = []

    /// - Parameter pause: how the pacing waits (tests pass one that does not).
    public init(
        options: Options, store: SnapshotStore, logger: Logger, executor: (any TaskExecutor)? = nil,
        read: @escaping ConsoleReader, pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.executor = executor
        self.options = options
        self.store = store
        self.logger = logger
        self.read = read
        self.pause = pause
    }

    /// Reads through the AWS source's own credentials, per the instance's profile and region.
    public init(
        options: Options, source: AWSInstanceSource, store: SnapshotStore, logger: Logger, executor: (any TaskExecutor)? = nil
    ) {
        self.init(
            options: options, store: store, logger: logger, executor: executor, read: { try await source.consoleOutput(of: $0) })
    }

    public func run() async throws {
        guard options.enabled else {
            // A service that returns early takes its whole ServiceGroup down: wait for shutdown doing nothing.
            try? await gracefulShutdown()
            return
        }
        await withTaskExecutorPreference(executor) {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let asked = await round(at: .now)
                if asked == 0 {
                    // Nothing due: look again shortly (new instances arrive with refreshes).
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
    }

    /// Reads every instance that is due now, paced; publishes what it found as it goes. Returns how many it asked.
    @discardableResult
    public func round(at now: ContinuousClock.Instant) async -> Int {
        let due = store.current.instances.filter { instance in
            instance.state == "running" && instance.hostKeys.isEmpty && !refusedScopes.contains(Self.scope(of: instance))
                && (attempts[instance.id].map { $0.count < options.maxAttempts && $0.next <= now } ?? true)
        }
        guard !due.isEmpty else { return 0 }
        var found: [String: [HostKey]] = [:]
        var asked = 0
        let interval = Duration.nanoseconds(Int64(1e9 / max(options.requestsPerSecond, 0.01)))
        for instance in due {
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            guard !refusedScopes.contains(Self.scope(of: instance)) else { continue }
            if asked > 0 { await pause(interval) }
            asked += 1
            if let keys = await readKeys(of: instance, at: now) {
                found[instance.id] = keys
                // Publish in batches, so the first keys of a large fleet do not wait for the last.
                if found.count >= 50 {
                    publish(found)
                    found = [:]
                }
            }
        }
        publish(found)
        return asked
    }

    /// One instance's keys, or nil (and its next attempt scheduled).
    private func readKeys(of instance: Instance, at now: ContinuousClock.Instant) async -> [HostKey]? {
        let console: String?
        do {
            console = try await read(instance)
        } catch let error as AWSClientError where error.category == .auth {
            let scope = Self.scope(of: instance)
            refusedScopes.insert(scope)
            logger.error(
                "cannot read SSH host keys from instance consoles; SSHFP records and verified first connections need ec2:GetConsoleOutput",
                metadata: ["scope": "\(scope)", "error": "\(error)"])
            return nil
        } catch {
            retryLater(instance, now: now, reason: "GetConsoleOutput failed: \(error)")
            return nil
        }
        switch ConsoleHostKeys.read(console ?? "") {
        case .keys(let keys):
            attempts[instance.id] = nil
            logger.debug("read SSH host keys", metadata: ["instance": "\(instance.id)", "keys": "\(keys.count)"])
            return keys
        case .noBlock:
            retryLater(instance, now: now, reason: nil)
        case .unreadable(let reason):
            logger.warning(
                "the console of an instance has an SSH host key block that cannot be read; trying again later",
                metadata: ["instance": "\(instance.id)", "reason": "\(reason)"])
            retryLater(instance, now: now, reason: reason)
        }
        return nil
    }

    private func retryLater(_ instance: Instance, now: ContinuousClock.Instant, reason: String?) {
        let count = (attempts[instance.id]?.count ?? 0) + 1
        var delay = options.firstRetry
        for _ in 1..<count where delay < options.maxRetry { delay *= 2 }
        attempts[instance.id] = Attempts(count: count, next: now + min(delay, options.maxRetry))
        if count >= options.maxAttempts {
            logger.info(
                "no SSH host keys in the console after \(count) tries; the instance's keys stay unknown",
                metadata: ["instance": "\(instance.id)", "last": "\(reason ?? "no host key block")"])
        } else if let reason {
            logger.debug("host keys not read", metadata: ["instance": "\(instance.id)", "reason": "\(reason)"])
        }
    }

    private func publish(_ found: [String: [HostKey]]) {
        guard !found.isEmpty else { return }
        store.update { current in
            var next = current
            var changed = false
            for index in next.instances.indices {
                if let keys = found[next.instances[index].id], next.instances[index].hostKeys != keys {
                    next.instances[index].hostKeys = keys
                    changed = true
                }
            }
            return changed ? next : nil
        }
        logger.info("read SSH host keys from instance consoles", metadata: ["instances": "\(found.count)"])
    }

    private static func scope(of instance: Instance) -> String {
        "\(instance.profile ?? "default")/\(instance.region)"
    }
}
