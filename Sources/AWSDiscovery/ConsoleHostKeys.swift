import Inventory

/// The SSH host keys cloud-init prints to the console while an instance boots:
///
/// ```
/// -----BEGIN SSH HOST KEY KEYS-----
/// ecdsa-sha2-nistp256 AAAAE2VjZHNh… root@ip-10-0-1-11
/// ssh-ed25519 AAAAC3NzaC1lZDI1NTE5… root@ip-10-0-1-11
/// -----END SSH HOST KEY KEYS-----
/// ```
///
/// Console lines may carry a prefix (`ec2: `, a kernel timestamp) and CR LF ends; the last complete block wins (a
/// rebooted instance prints it again).
public enum ConsoleHostKeys {
    public enum Reading: Sendable, Equatable {
        /// The keys of the last complete block.
        case keys([HostKey])
        /// No block (yet): cloud-init has not got that far, or the console does not reach back to the boot.
        case noBlock
        /// A block that cannot be trusted, and why.
        case unreadable(String)
    }

    static let begin = "-----BEGIN SSH HOST KEY KEYS-----"
    static let end = "-----END SSH HOST KEY KEYS-----"

    public static func read(_ console: String) -> Reading {
        var block: [Substring]?
        var lastComplete: [Substring]?
        var sawUnfinished = false
        for line in console.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if line.contains(begin) {
                if block != nil { sawUnfinished = true }
                block = []
            } else if line.contains(end) {
                if let finished = block { lastComplete = finished }
                block = nil
            } else {
                block?.append(line)
            }
        }
        guard let lines = lastComplete else {
            return block != nil || sawUnfinished ? .unreadable("the host key block has no \(end) line") : .noBlock
        }
        var keys: [HostKey] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            // The key type and blob, wherever the line's prefix ends.
            let key = fields.indices.dropLast().lazy.compactMap { HostKey(type: String(fields[$0]), base64: String(fields[$0 + 1])) }.first
            guard let key else {
                return .unreadable("line \(number + 1) of the host key block is not an SSH public key")
            }
            keys.append(key)
        }
        return keys.isEmpty ? .unreadable("the host key block is empty") : .keys(keys)
    }
}
