import FednsSupport
import Foundation

/// The persisted cache: the last good snapshot on disk, so a restart answers before any AWS call.
///
/// Writes go to a temporary file in the same directory, are flushed to disk, then renamed over the old file: a
/// crash leaves either the old snapshot or the new one, never half of one.
public struct SnapshotFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public enum LoadResult: Sendable {
        case loaded(Snapshot)
        case missing
        /// The file exists but cannot be used; it is reported and ignored, never fatal.
        case unusable(String)
    }

    public func load() -> LoadResult {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return .unusable("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        do {
            return .loaded(try Snapshot.decode(data))
        } catch {
            return .unusable("\(path) is not a valid snapshot: \(error.reason)")
        }
    }

    /// Writes the snapshot atomically (temporary file, fsync, rename, directory created if needed).
    public func save(_ snapshot: Snapshot) throws {
        try AtomicFile.write(try snapshot.encoded(), to: path, permissions: 0o640)
    }
}
