import Foundation
import TOMLKit

/// The whole configuration, read from one TOML file and validated before anything starts.
public struct FednsConfig: Sendable, Hashable {
    /// Where the configuration came from, for messages.
    public var origin: String
    public var dns: DNSConfig
    public var discovery: DiscoveryConfig
    public var control: ControlConfig
    /// `[federation]`, when the section is present.
    public var federation: FederationConfig?

    public init(
        origin: String, dns: DNSConfig, discovery: DiscoveryConfig, control: ControlConfig,
        federation: FederationConfig? = nil
    ) {
        self.origin = origin
        self.dns = dns
        self.discovery = discovery
        self.control = control
        self.federation = federation
    }

    /// Reads and validates a configuration file. Relative paths inside it are relative to its directory.
    public static func load(path: String) throws(ConfigError) -> FednsConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ConfigError(file: path, key: "", message: "cannot read the configuration file: \(reason)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, origin: path, directory: directory)
    }

    /// Parses configuration text. `directory` anchors relative paths.
    public static func parse(_ text: String, origin: String, directory: String) throws(ConfigError) -> FednsConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: origin, key: "",
                message: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: origin, key: "", message: "not valid TOML: \(error)")
        }
        var root = TableReader(table, path: "", file: origin)
        var dnsReader = try root.subtable("dns")
        var discoveryReader = try root.subtable("discovery")
        var controlReader = try root.subtable("control")
        var federationReader = try root.subtable("federation")
        // A misspelt section is reported as such, before its absence makes some other key look missing.
        try root.rejectUnknownKeys()
        return FednsConfig(
            origin: origin,
            dns: try DNSConfig.read(&dnsReader),
            discovery: try DiscoveryConfig.read(&discoveryReader, resolvingPathsFrom: directory),
            control: try ControlConfig.read(&controlReader),
            federation: federationReader.isPresent ? try FederationConfig.read(&federationReader, directory: directory) : nil)
    }
}

/// Environment access in one place, so tests and commands read variables the same way.
public enum ProcessEnvironment {
    public static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }

    /// fedns's directory of one kind (cache, state): the one systemd made for the unit (`CACHE_DIRECTORY`,
    /// `STATE_DIRECTORY`; the first of a list), else `$XDG_…_HOME/fedns`, else `~/<fallback>/fedns`.
    public static func userDirectory(systemd: String, xdg: String, fallback: String) -> String? {
        if let directory = value(systemd)?.split(separator: ":").first {
            return String(directory)
        }
        if let base = value(xdg), !base.isEmpty {
            return "\(base)/fedns"
        }
        return value("HOME").map { "\($0)/\(fallback)/fedns" }
    }
}
