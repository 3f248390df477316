/// A configuration problem, naming the file, the key and what was expected, so the fix is obvious.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration file, or a description of where the setting came from (`environment`, `embedded demo`).
    public var file: String
    /// The full key, `dns.listen[1]`, or empty for a problem with the whole document.
    public var key: String
    public var message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
