import FednsSupport
/// `[process]`: how the server process runs.
public struct ProcessConfig: Sendable, Hashable {
    /// Started as root, switch to this user once every listener is bound (port 53 without staying root).
    public var user: String?
    /// The group to switch to; the user's primary group by default.
    public var group: String?

    public init(user: String? = nil, group: String? = nil) {
        self.user = user
        self.group = group
    }

    static func read(_ reader: inout TableReader) throws(ConfigError) -> ProcessConfig {
        let config = ProcessConfig(user: try reader.string("user"), group: try reader.string("group"))
        for (key, value) in [("user", config.user), ("group", config.group)] where value?.isEmpty == true {
            throw reader.error(key, "expected a user or group name, found an empty string")
        }
        try reader.rejectUnknownKeys()
        return config
    }
}
