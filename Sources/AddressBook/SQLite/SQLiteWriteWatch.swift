import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Notices writes to one SQLite database by any process (`fedns federation add` from a shell, another server),
/// through inotify on its directory, so that a mirror reloads at once instead of at its next poll.
///
/// SQLite in WAL mode appends a commit to `PATH-wal` (and a checkpoint writes `PATH`), so a write to either, to a
/// rollback journal, or a file renamed into place is a possible change; the mirror then reads the version counter
/// and reloads only if it rose. Readers touch only the shared-memory file, through `mmap`, which inotify does not
/// report, so the mirror's own reads never wake it. Where inotify is unavailable (not Linux, or the limit of
/// watches reached) there is no watch and polling alone notices changes.
final class SQLiteWriteWatch: StoreWriteWatch, Sendable {
    private let stopped = Atomic<Bool>(false)

    #if canImport(Glibc)
    /// nil when inotify could not watch the directory.
    init?(path: String, onWrite: @escaping @Sendable () -> Void) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let names: Set<String> = [base, "\(base)-wal", "\(base)-journal"]

        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { return nil }
        let events = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)
        guard inotify_add_watch(descriptor, directory, events) >= 0 else {
            close(descriptor)
            return nil
        }
        // The thread holds the watch until `stop()`, then closes the descriptor.
        Thread { [self] in watch(descriptor, names: names, onWrite: onWrite) }.start()
    }

    /// Reads events until stopped, waking every 200 ms to check (so `stop()` needs no signal), and calls `onWrite`
    /// once per batch of events that names the database's files.
    private func watch(_ descriptor: Int32, names: Set<String>, onWrite: @Sendable () -> Void) {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopped.load(ordering: .acquiring) {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            if Self.namesAny(of: names, in: buffer[..<count]) { onWrite() }
        }
    }

    /// Whether a batch of `inotify_event` records (`wd`, `mask`, `cookie`, `len`, then `len` bytes of a
    /// NUL-padded name) names one of `names`.
    static func namesAny(of names: Set<String>, in events: ArraySlice<UInt8>) -> Bool {
        let header = 16
        var offset = events.startIndex
        while offset + header <= events.endIndex {
            let length = Int(
                events.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - events.startIndex + 12, as: UInt32.self) })
            let nameStart = offset + header
            let nameEnd = min(nameStart + length, events.endIndex)
            let name = String(decoding: events[nameStart..<nameEnd].prefix { $0 != 0 }, as: UTF8.self)
            if names.contains(name) { return true }
            offset = nameEnd
        }
        return false
    }
    #else
    init?(path: String, onWrite: @escaping @Sendable () -> Void) {
        return nil
    }
    #endif

    func stop() {
        stopped.store(true, ordering: .releasing)
    }
}
