import Companion
import FednsSupport
import Foundation

/// The companion's own known_hosts file: the host keys read from instance consoles, each under its instance id
/// (the `HostKeyAlias` the commands pass), so ssh checks a first connection against them instead of asking.
struct KnownHostsFile {
    let path: String

    /// Files the entries' keys under their aliases, replacing what those aliases had and keeping every other line.
    func store(_ entries: [KnownHostsEntry]) throws {
        guard !entries.isEmpty else { return }
        let current = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let updated = KnownHostsEntry.merge(entries, into: current)
        guard updated != current else { return }
        try AtomicFile.write(Data(updated.utf8), to: path, permissions: 0o600, directoryPermissions: 0o700)
    }
}
