import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a file's contents atomically: a temporary file in the same directory, flushed to disk, then renamed
/// over the old one, so a crash or a concurrent reader sees either the old file or the new one, never half of one.
/// A writer killed before its rename leaves its temporary file behind (`.NAME.PID.tmp`); the next write of the same
/// file removes it.
public enum AtomicFile {
    /// Writes `data` to `path`, creating missing directories with `directoryPermissions`. A file that exists keeps
    /// its permissions; a new one gets `permissions`.
    public static func write(
        _ data: some DataProtocol, to path: String, permissions: Int = 0o640, directoryPermissions: Int = 0o755
    ) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: directoryPermissions])
        let existing = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        removeAbandonedTemporaries(in: directory, of: url.lastPathComponent)
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: nil, attributes: [.posixPermissions: existing ?? permissions])
        else {
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
    /// each is a whole file's size (a snapshot of a large fleet), and nothing else would ever remove them. A file
    /// whose process still runs (another fedns, or `fedns instances` refreshing the same snapshot) is left alone.
    static func removeAbandonedTemporaries(in directory: URL, of name: String) {
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
