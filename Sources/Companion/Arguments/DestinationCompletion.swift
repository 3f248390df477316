/// Shell completion of destinations, with the same grammar the commands use: which word of an ssh/scp/sftp command
/// line is a host, and the instance names it may complete to. The shell scripts only pass the words over.
public enum DestinationCompletion {
    /// Completions of `current`, the word being typed after the program arguments `preceding`: `[user@]NAME` for
    /// the destination of ssh and sftp, `[user@]NAME:` for any scp operand that is not plainly a local path; none
    /// where the word is an option, an option's value, a remote path, or a word after the destination.
    public static func candidates(tool: OpenSSHTool, preceding: [String], current: String, names: [String]) -> [String] {
        guard !current.hasPrefix("-") else { return [] }
        // Parse with something in the current word's place, to learn what the grammar makes of that position.
        let parsed = tool.parse(preceding + [current.isEmpty ? "_" : current])
        guard let last = parsed.parts.indices.last, case .operand = parsed.parts[last] else { return [] }
        switch tool {
        case .ssh, .sftp:
            guard parsed.destinationIndexes == [last], !current.contains(":") else { return [] }
            return matching(current, names: names, suffix: "")
        case .scp:
            // `./x`, `/x`, `~/x`, `x/y` are local; `host:path` is a remote path, which only the host could complete.
            guard !current.contains(":"), !current.contains("/"), !current.hasPrefix("."), !current.hasPrefix("~") else {
                return []
            }
            return matching(current, names: names, suffix: ":")
        }
    }

    /// The names that start with what was typed after any `user@`, with that user in front again.
    public static func matching(_ typed: String, names: [String], suffix: String) -> [String] {
        var user = ""
        var partial = Substring(typed)
        if let at = typed.lastIndex(of: "@") {
            user = String(typed[...at])
            partial = typed[typed.index(after: at)...]
        }
        let prefix = partial.lowercased()
        return names.filter { $0.hasPrefix(prefix) }.map { user + $0 + suffix }
    }
}
