/// `[discovery]`: where the inventory comes from.
public struct DiscoveryConfig: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A JSON inventory in the snapshot format, re-read when it changes.
        case file(path: String)
    }

    public var source: Source

    public init(source: Source) {
        self.source = source
    }

    static func read(_ reader: inout TableReader, resolvingPathsFrom directory: String) throws(ConfigError) -> DiscoveryConfig {
        let sourceName = try reader.string("source", default: "file")
        let config: DiscoveryConfig
        switch sourceName {
        case "file":
            guard let file = try reader.string("file"), !file.isEmpty else {
                throw reader.error("file", "required when source = \"file\": the path of a JSON inventory")
            }
            config = DiscoveryConfig(source: .file(path: resolvePath(file, from: directory)))
        default:
            throw reader.error("source", "expected \"file\", found \"\(sourceName)\"")
        }
        try reader.rejectUnknownKeys()
        return config
    }
}

/// A path from a config file, relative to that file's directory unless absolute (or `~/`).
func resolvePath(_ path: String, from directory: String) -> String {
    if path.hasPrefix("/") { return path }
    if path.hasPrefix("~/"), let home = ProcessEnvironment.value("HOME") {
        return home + path.dropFirst()
    }
    return directory.isEmpty ? path : "\(directory)/\(path)"
}
