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
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        removeAbandonedTemporaries(in: directory, of: url.lastPathComponent)
        let data = try snapshot.encoded()
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        if rename(temporary.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// Removes the temporary files of writers that died before renaming theirs (killed, or the machine lost power):
    /// each is a whole snapshot's size, and nothing else would ever remove them. A file whose process still runs
    /// (another fedns, or `fedns instances` refreshing the same snapshot) is left alone.
    func removeAbandonedTemporaries(in directory: URL, of name: String) {
        let prefix = ".\(name)."
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
            let pidText = entry.dropFirst(prefix.count).dropLast(".tmp".count)
            guard let pid = Int32(pidText), pid != ProcessInfo.processInfo.processIdentifier else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(entry))
            }
        }
    }
}
