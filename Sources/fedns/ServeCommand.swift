import ArgumentParser
import FednsSupport
import Logging
import ServerAssembly
import Settings

/// Options every command that reads the configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (TOML). Without it, the embedded demo configuration.")
    var config: String?

    func load() throws(ConfigError) -> FednsConfig {
        if let config { return try FednsConfig.load(path: config) }
        return try DemoResources.load()
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the DNS server (and everything else the configuration enables).")

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Log format: text or json.")
    var logFormat: String = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let format = LogFormat(rawValue: logFormat) else {
            throw ValidationError("--log-format must be one of: \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let logger = LogSetup.bootstrap(format: format, level: level)
        let metrics = MetricsSetup.bootstrap()
        do {
            let config = try configOptions.load()
            logger.info("starting", metadata: ["config": "\(config.origin)", "version": "\(FednsVersion.current)"])
            try await FednsServer(config: config, logger: logger, metrics: metrics).run()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }
    }
}

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file and exit (0 when valid).")

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        do {
            let config = try configOptions.load()
            for warning in try FednsServer.checkFiles(config) { printError("warning: \(warning)") }
            print("\(config.origin): OK")
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}
