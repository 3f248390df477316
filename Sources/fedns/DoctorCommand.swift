import ArgumentParser
import Foundation
import Logging
import ServerAssembly
import Settings

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check every link: config, server, OS routing of .ec2, AWS credentials and reachability.",
        discussion: "Exits 0 only when every link works; each failure says what to fix.")

    @Option(name: .shortAndLong, help: "Configuration file (default: $FEDNS_CONFIG, ~/.config/fedns/fedns.toml, /etc/fedns/fedns.toml, else the embedded demo).")
    var config: String?

    @Option(help: "Prefix for the resolver files read (tests).")
    var root: String = ""

    func run() async throws {
        let settings: FednsConfig
        let reason: String
        do {
            (settings, reason) = try CheckedConfiguration.load(path: config)
        } catch {
            print("FAIL  config       \(error)")
            print("      fix: correct the key named above; `fedns check-config` validates without starting")
            throw ExitCode.failure
        }
        var logger = Logger(label: "fedns.doctor")
        logger.logLevel = .critical
        let checks = await Doctor(config: settings, configReason: reason, root: root, logger: logger).run()
        for check in checks {
            let mark = switch check.outcome {
            case .ok: "ok  "
            case .failed: "FAIL"
            case .skipped: "skip"
            }
            print("\(mark)  \(check.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(check.detail)")
            if let fix = check.fix, check.outcome == .failed { print("      fix: \(fix)") }
        }
        guard !checks.contains(where: { $0.outcome == .failed }) else { throw ExitCode.failure }
    }
}
