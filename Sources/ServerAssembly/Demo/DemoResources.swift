import FednsSupport
import Foundation
import Settings

/// The embedded demo: `Resources/demo/fedns.toml` and the inventory next to it, so that `fedns serve` with no
/// arguments answers `dig @127.0.0.1 -p 5353 appserver-1.ec2` straight from a checkout.
public enum DemoResources {
    public static let configName = "fedns.toml"

    /// Where the demo lives: `$FEDNS_RESOURCES/demo`, an installed `share/fedns/demo` beside the binary, or the
    /// `Resources/demo` folder of the checkout the binary was built from.
    public static func directory() -> String? {
        var candidates: [String] = []
        if let override = ProcessEnvironment.value("FEDNS_RESOURCES") {
            candidates.append("\(override)/demo")
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        candidates.append(directory.appendingPathComponent("../share/fedns/demo").standardized.path)
        // From .build/<triple>/<configuration>/fedns up to the checkout.
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("Resources/demo").path)
        }
        // The checkout this file was compiled in (covers `swift run` from anywhere).
        let source = URL(fileURLWithPath: #filePath)
        candidates.append(
            source.deletingLastPathComponent().appendingPathComponent("../../../Resources/demo").standardized.path)
        return candidates.first { FileManager.default.fileExists(atPath: "\($0)/\(configName)") }
    }

    /// The demo configuration, loaded and validated like any other.
    public static func load() throws(ConfigError) -> FednsConfig {
        guard let directory = directory() else {
            throw ConfigError(
                file: "embedded demo", key: "",
                message: "Resources/demo/\(configName) was not found; pass --config FILE or set FEDNS_RESOURCES")
        }
        return try FednsConfig.load(path: "\(directory)/\(configName)")
    }
}

/// Which configuration a check of the running set-up should read, and why: the one `fedns serve` is most likely
/// running with. An explicit `--config`; else the located file (`$FEDNS_CONFIG`, `~/.config/fedns/fedns.toml`,
/// `/etc/fedns/fedns.toml`), which an installed service is given; else the embedded demo, which `fedns serve` runs
/// without `--config`; else every default.
public enum CheckedConfiguration {
    public static func load(path explicit: String?) throws(ConfigError) -> (config: FednsConfig, reason: String) {
        if let explicit { return (try FednsConfig.load(path: explicit), "given with --config") }
        if let located = FednsConfig.locate() { return (try FednsConfig.load(path: located), "the configuration file found") }
        if DemoResources.directory() != nil {
            return (try DemoResources.load(), "the embedded demo, which `fedns serve` runs without --config")
        }
        return (try FednsConfig.loadOrDefaults(), "no configuration file and no demo: every default")
    }
}
