import AWSDiscovery
import FednsSupport
import Inventory
import InventoryLookup

/// `[discovery]`: where the inventory comes from.
public struct DiscoveryConfig: Sendable, Hashable {
    public var source: InventorySource

    public init(source: InventorySource) {
        self.source = source
    }

    /// The persisted snapshot, when there is one (the AWS source's cache).
    public var snapshotPath: String? { source.snapshotPath }

    static func read(_ reader: inout TableReader, resolvingPathsFrom directory: String) throws(ConfigError) -> DiscoveryConfig {
        let sourceName = try reader.string("source", default: "aws")
        let config: DiscoveryConfig
        switch sourceName {
        case "file":
            guard let file = try reader.string("file"), !file.isEmpty else {
                throw reader.error("file", "required when source = \"file\": the path of a JSON inventory")
            }
            config = DiscoveryConfig(source: .file(path: resolvePath(file, from: directory)))
        case "aws":
            config = DiscoveryConfig(source: .aws(try readAWS(&reader, directory: directory)))
        default:
            throw reader.error("source", "expected \"aws\" or \"file\", found \"\(sourceName)\"")
        }
        try reader.rejectUnknownKeys()
        return config
    }
}

/// The AWS source's keys of `[discovery]`.
extension DiscoveryConfig {
    static func readAWS(_ reader: inout TableReader, directory: String) throws(ConfigError) -> DiscoveryOptions {
        let regions: RegionSelection
        switch try reader.stringOrArray("regions") {
        case nil:
            // The region of the credentials' profile or environment, resolved at start.
            regions = .list([])
        case .some(["all"]):
            regions = .all
        case .some(let names):
            for (index, name) in names.enumerated() where !Self.looksLikeRegion(name) {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("regions"))[\(index)]",
                    message: "expected a region such as \"eu-west-1\" (or regions = \"all\"), found \"\(name)\"")
            }
            regions = .list(names)
        }
        let profiles = try reader.stringArray("profiles") ?? []
        for (index, profile) in profiles.enumerated() where profile.isEmpty || profile.contains(where: \.isWhitespace) {
            throw ConfigError(
                file: reader.file, key: "\(reader.key("profiles"))[\(index)]",
                message: "expected a profile name from ~/.aws/config, found \"\(profile)\"")
        }
        let interval = try reader.seconds("refresh_interval", in: 1...86400, default: 60)
        let snapshot = try reader.string("snapshot")
        let snapshotPath: String? =
            switch snapshot {
            case nil: defaultSnapshotPath()
            case .some(""): nil
            case .some(let path): resolvePath(path, from: directory)
            }
        let ec2Endpoint = try reader.string("ec2_endpoint")
        let stsEndpoint = try reader.string("sts_endpoint")
        for (key, value) in [("ec2_endpoint", ec2Endpoint), ("sts_endpoint", stsEndpoint)] {
            if let value, !(value.hasPrefix("https://") || value.hasPrefix("http://")) {
                throw reader.error(key, "expected a URL such as \"https://ec2.eu-west-1.amazonaws.com\", found \"\(value)\"")
            }
        }
        let timeout = try reader.seconds("request_timeout", in: 0.5...300, default: 30)
        let hostKeys = HostKeyCollector.Options(
            enabled: try reader.bool("host_keys", default: true),
            requestsPerSecond: try reader.number("host_key_rate", in: 0.01...100, default: 5, of: "requests per second"))
        // EC2's bucket for non-mutating calls, per account and region: 100 tokens, refilled at 20 per second
        // (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Lower values leave room for
        // other clients of the same accounts.
        let requestBurst = try reader.number(
            "request_burst", in: 1...10_000, default: DiscoveryOptions.defaultRequestBurst, of: "requests")
        let requestRate = try reader.number(
            "request_rate", in: 0.01...10_000, default: DiscoveryOptions.defaultRequestRate, of: "requests per second")
        return DiscoveryOptions(
            refresh: RefreshOptions(
                regions: regions, profiles: profiles.isEmpty ? [nil] : profiles,
                interval: .milliseconds(Int64(interval * 1000)),
                maxConcurrency: try reader.integer("max_concurrency", in: 1...64, default: 8), snapshotPath: snapshotPath),
            ec2Endpoint: ec2Endpoint, stsEndpoint: stsEndpoint, requestTimeout: .milliseconds(Int64(timeout * 1000)),
            hostKeys: hostKeys, requestRate: requestRate, requestBurst: requestBurst)
    }

    /// `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`…: letters, a dash, letters, a digit.
    static func looksLikeRegion(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        return parts.count >= 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } }
            && parts.last?.allSatisfy(\.isNumber) == true
    }

    /// `$CACHE_DIRECTORY/snapshot.json` under systemd, else `$XDG_CACHE_HOME/fedns/snapshot.json` or
    /// `~/.cache/fedns/snapshot.json`.
    public static func defaultSnapshotPath() -> String? {
        ProcessEnvironment.userDirectory(systemd: "CACHE_DIRECTORY", xdg: "XDG_CACHE_HOME", fallback: ".cache")
            .map { "\($0)/snapshot.json" }
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

extension FednsConfig {
    /// What `InventoryLookup` reads: the source, the control endpoint a running server would answer on (none when
    /// `[control]` is off), and the zone's rules.
    public var inventoryLookupOptions: InventoryLookupOptions {
        InventoryLookupOptions(
            source: discovery.source, controlAddress: control.enabled ? control.listen : nil, zone: dns.zone)
    }
}
