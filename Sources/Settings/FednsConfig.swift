import FednsSupport
import Foundation
import TOMLKit
import ZoneTransfer

/// The whole configuration, read from one TOML file and validated before anything starts.
public struct FednsConfig: Sendable, Hashable {
    /// Where the configuration came from, for messages.
    public var origin: String
    public var dns: DNSConfig
    public var discovery: DiscoveryConfig
    public var control: ControlConfig
    public var process: ProcessConfig
    public var companion: CompanionConfig
    /// `[federation]`, when the section is present.
    public var federation: FederationConfig?

    /// The HTTPS endpoint to serve: `[federation]` when present and enabled.
    public var servedFederation: FederationConfig? {
        federation.flatMap { $0.enabled ? $0 : nil }
    }

    public init(
        origin: String, dns: DNSConfig, discovery: DiscoveryConfig, control: ControlConfig,
        process: ProcessConfig = ProcessConfig(), companion: CompanionConfig = CompanionConfig(),
        federation: FederationConfig? = nil
    ) {
        self.origin = origin
        self.dns = dns
        self.discovery = discovery
        self.control = control
        self.process = process
        self.companion = companion
        self.federation = federation
    }

    /// The configuration file commands use when none is given: `$FEDNS_CONFIG`, then
    /// `~/.config/fedns/fedns.toml`, then `/etc/fedns/fedns.toml`; nil when there is none.
    public static func locate() -> String? {
        var candidates: [String] = []
        if let explicit = ProcessEnvironment.value("FEDNS_CONFIG"), !explicit.isEmpty { return explicit }
        if let xdg = ProcessEnvironment.value("XDG_CONFIG_HOME"), !xdg.isEmpty {
            candidates.append("\(xdg)/fedns/fedns.toml")
        } else if let home = ProcessEnvironment.value("HOME") {
            candidates.append("\(home)/.config/fedns/fedns.toml")
        }
        candidates.append("/etc/fedns/fedns.toml")
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// The file named with `--config` when there is one; else the located configuration, or every default (AWS
    /// discovery in the environment's region) when there is none: what the companion commands, `fedns instances`,
    /// `doctor` and `resolver` run with.
    public static func loadOrDefaults(path explicit: String? = nil) throws(ConfigError) -> FednsConfig {
        if let path = explicit ?? locate() { return try load(path: path) }
        return try parse("", origin: "defaults (no configuration file)", directory: "")
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

    /// The sections a configuration may have (also the ones environment variables can reach).
    static let sections = ["dns", "discovery", "control", "process", "companion", "federation"]

    /// Parses configuration text. `directory` anchors relative paths; `environment` supplies the
    /// `FEDNS_<SECTION>_<KEY>` overrides (the process's own by default).
    public static func parse(
        _ text: String, origin: String, directory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> FednsConfig {
        // Text the TOML parser would abort on is refused first (TOMLGuard).
        if let problem = TOMLGuard.problem(in: text) {
            throw ConfigError(file: origin, key: "", message: problem.description)
        }
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
        let overrides = EnvironmentOverrides.apply(to: table, sections: sections, environment: environment)
        do {
            return try read(table, origin: origin, directory: directory)
        } catch {
            // A bad value that came from the environment is reported as such, not as a line of the file.
            guard let override = overrides.first(where: { error.key == $0.key || error.key.hasPrefix("\($0.key)[") }) else {
                throw error
            }
            throw ConfigError(
                file: "environment variable \(override.variable) (overriding \(origin))", key: error.key,
                message: error.message)
        }
    }

    private static func read(_ table: TOMLTable, origin: String, directory: String) throws(ConfigError) -> FednsConfig {
        var root = TableReader(table, path: "", file: origin)
        var dnsReader = try root.subtable("dns")
        var discoveryReader = try root.subtable("discovery")
        var controlReader = try root.subtable("control")
        var processReader = try root.subtable("process")
        var companionReader = try root.subtable("companion")
        var federationReader = try root.subtable("federation")
        // A misspelt section is reported as such, before its absence makes some other key look missing.
        try root.rejectUnknownKeys()
        var dns = try DNSConfig.read(&dnsReader, directory: directory)
        let discovery = try DiscoveryConfig.read(&discoveryReader, resolvingPathsFrom: directory)
        // The IXFR journal lives beside the inventory snapshot, so a restart keeps both.
        if dns.transfer?.journalPath == nil { dns.transfer?.journalPath = discovery.snapshotPath.map { "\($0).ixfr" } }
        return FednsConfig(
            origin: origin,
            dns: dns,
            discovery: discovery,
            control: try ControlConfig.read(&controlReader),
            process: try ProcessConfig.read(&processReader),
            companion: try CompanionConfig.read(&companionReader, resolvingPathsFrom: directory),
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
