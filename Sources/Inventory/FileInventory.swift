import FednsSupport
import Foundation
import Logging
import ServiceLifecycle

/// An inventory kept in a JSON file (the snapshot format), for fixed fleets, tests and the embedded demo.
/// The file is polled and re-read when it changes; a file that turns bad keeps the previous inventory.
public final class FileInventory: Service, Sendable {
    public let path: String
    private let store: SnapshotStore
    private let logger: Logger
    private let pollInterval: Duration
    /// Where reloads run (decoding the file, compiling the zone), as AWS refreshes do: `BackgroundThread`.
    private let executor: (any TaskExecutor)?

    /// `executor`: where `run()` and `reloadOnExecutor()` read the file; nil for any thread.
    public init(
        path: String, store: SnapshotStore, logger: Logger, pollInterval: Duration = .seconds(1),
        executor: (any TaskExecutor)? = nil
    ) {
        self.path = path
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.executor = executor
    }

    /// Reads the file once; throws when it is missing or invalid (at start-up that is a configuration error).
    public func read() throws(InventoryFileError) -> Snapshot {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InventoryFileError(path: path, reason: "cannot read it: \((error as NSError).localizedDescription)")
        }
        do {
            return try Snapshot.decode(data)
        } catch {
            throw InventoryFileError(path: path, reason: error.reason)
        }
    }

    /// Loads the file into the store.
    public func load() throws(InventoryFileError) {
        let (published, read, readCPU) = try readAndPublish()
        // Only now is the decoded copy gone (the store keeps the instances it had when the file is unchanged).
        MemoryReturn.releaseFreedHeap()
        logger.info(
            "inventory loaded",
            metadata: [
                "source": "file", "path": "\(path)", "instances": "\(published.instances.count)", "serial": "\(published.serial)",
                "read_ms": "\(read.milliseconds)", "read_cpu_ms": "\(readCPU.milliseconds)",
            ])
    }

    /// The file's snapshot lives only in this call, so that its memory can be returned when it ends. Also how long
    /// reading took, in time and in this thread's CPU.
    private func readAndPublish() throws(InventoryFileError) -> (published: Snapshot, read: Duration, readCPU: Duration) {
        let started = ContinuousClock.now
        let startedCPU = ThreadCPUTime.nowWithSecondThreads()
        let snapshot = try read()
        let read = ContinuousClock.now - started
        let readCPU = ThreadCPUTime.nowWithSecondThreads() - startedCPU
        return (store.publish(snapshot), read, readCPU)
    }

    /// Re-reads the file (on SIGHUP or when it changed), keeping the current inventory if the file is bad.
    public func reload() {
        do {
            try load()
        } catch {
            logger.error("inventory file is invalid; keeping the previous inventory", metadata: ["error": "\(error)"])
        }
    }

    /// `reload()` on the executor (for SIGHUP).
    public func reloadOnExecutor() async {
        await withTaskExecutorPreference(executor) { self.reload() }
    }

    public func run() async throws {
        await withTaskExecutorPreference(executor) { await poll() }
    }

    private func poll() async {
        var lastSeen = fingerprint()
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { [pollInterval] in try await Task.sleep(for: pollInterval) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            let now = fingerprint()
            if now != lastSeen {
                lastSeen = now
                reload()
            }
        }
    }

    /// Modification time, size and inode: enough to notice an edit or an atomic replace.
    private func fingerprint() -> [String] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return [] }
        return [
            "\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)",
            "\(attributes[.size] ?? 0)", "\(attributes[.systemFileNumber] ?? 0)",
        ]
    }
}

/// An inventory file that cannot be used.
public struct InventoryFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "inventory file \(path): \(reason)" }
}
