import Companion
import FednsSupport
import Foundation
import Inventory

/// The companion's own known_hosts file: the host keys read from instance consoles, each under its instance id
/// (the `HostKeyAlias` the commands pass), so ssh checks a first connection against them instead of asking.
struct KnownHostsFile {
    let path: String

    /// The keys filed under `alias`, as an earlier command wrote them (read from the instance's console then).
    func keys(for alias: String) -> [HostKey] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> HostKey? in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 3, fields[0] == alias else { return nil }
            return HostKey(type: String(fields[1]), base64: String(fields[2]))
        }
    }

    /// Files the entries' keys under their aliases, replacing what those aliases had and keeping every other line.
    func store(_ entries: [KnownHostsEntry]) throws {
        guard !entries.isEmpty else { return }
        let current = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let updated = KnownHostsEntry.merge(entries, into: current)
        guard updated != current else { return }
        try AtomicFile.write(Data(updated.utf8), to: path, permissions: 0o600, directoryPermissions: 0o700)
    }
}
