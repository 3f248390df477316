import ArgumentParser
import ServerAssembly
import Settings

struct ResolverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolver",
        abstract: "Route .ec2 from this machine's resolver to fedns (systemd-resolved, dnsmasq, NetworkManager, macOS).",
        subcommands: [Install.self, Uninstall.self, Status.self])

    struct Options: ParsableArguments {
        @Option(name: .shortAndLong, help: "Configuration file whose [dns] zone and listen address to route to.")
        var config: String?

        @Option(help: "resolved, dnsmasq, networkmanager or macos (default: detected).")
        var method: String?

        @Option(help: "Prefix for every path written or read (packaging, tests).")
        var root: String = ""

        func load() throws -> (FednsConfig, ResolverMethod) {
            let settings: FednsConfig
            do {
                settings = try FednsConfig.loadOrDefaults(path: config)
            } catch {
                throw ValidationError("\(error)")
            }
            guard let chosen = method.map({ ResolverMethod(rawValue: $0) }) ?? ResolverMethod.detect(root: root) else {
                throw ValidationError("--method must be one of: \(ResolverMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return (settings, chosen)
        }

        /// `install` and `uninstall`: the files for the configuration and method, handed to the installer, its report
        /// printed; a failure is said as `fedns resolver VERB: …` and exits non-zero.
        func change(
            _ verb: String, dryRun: Bool, withService: Bool, namingMethod: Bool,
            _ apply: (ResolverInstaller, [ManagedFile]) throws -> [String]
        ) throws {
            let (settings, method) = try load()
            do {
                let report = try apply(ResolverInstaller(root: root, dryRun: dryRun), files(settings, method, withService: withService))
                if namingMethod { print("method: \(method.rawValue)") }
                report.forEach { print($0) }
            } catch {
                printError("fedns resolver \(verb): \(error)")
                throw ExitCode.failure
            }
        }

        func files(_ settings: FednsConfig, _ method: ResolverMethod, withService: Bool) -> [ManagedFile] {
            var files = [ResolverFiles.routing(method, config: settings)]
            if withService {
                let binary = CommandLine.arguments.first.map { $0.hasPrefix("/") ? $0 : "/usr/local/bin/fedns" } ?? "/usr/local/bin/fedns"
                files.append(ResolverFiles.service(method, configPath: settings.origin, binary: binary))
            }
            return files
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the routing file (and, with --service, the service definition).")
        @OptionGroup var options: Options
        @Flag(help: "Print what would be written; change nothing.") var dryRun = false
        @Flag(help: "Also install the systemd unit or launchd daemon that runs fedns serve.") var service = false

        func run() throws {
            try options.change("install", dryRun: dryRun, withService: service, namingMethod: true) { try $0.install($1) }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the files fedns wrote (never other files).")
        @OptionGroup var options: Options
        @Flag(help: "Print what would be removed; change nothing.") var dryRun = false
        @Flag(help: "Also remove the service definition.") var service = false

        func run() throws {
            try options.change("uninstall", dryRun: dryRun, withService: service, namingMethod: false) { try $0.uninstall($1) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the routing file is in place (exit 0 when it is current).")
        @OptionGroup var options: Options

        func run() throws {
            let (settings, method) = try options.load()
            let file = ResolverFiles.routing(method, config: settings)
            let state = ResolverInstaller(root: options.root).state(of: file)
            print("method: \(method.rawValue)")
            print("\(options.root + file.path): \(state)")
            guard state == .current else { throw ExitCode.failure }
        }
    }
}
