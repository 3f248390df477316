import Companion
import DNSWire
import EC2Zone
import Foundation
import Inventory
import InventoryLookup
import Logging
import Settings

/// What every companion command starts from: its name (for messages), the configuration, a logger that stays
/// quiet unless asked, and the inventory through the shared lookup (running fedns, snapshot, AWS).
struct CompanionContext {
    let command: String
    let config: FednsConfig
    let logger: Logger
    let verbose: Bool

    init(command: String, options: LookupOptions) {
        self.command = command
        verbose = options.verbose
        // Results go to standard output, so logs never do; without --verbose only failures that nothing else
        // reports would show, and the lookup reports those itself.
        let level: Logger.Level = options.verbose ? .debug : .critical
        logger = Logger(label: command) { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            config = try FednsConfig.loadOrDefaults(path: options.configPath)
        } catch {
            Diagnostics.fail(command, .configuration, "\(error)")
        }
    }

    /// The lookup: without the naming problems unless asked for (they cost more than everything else together).
    func lookup(namingProblems: Bool = false) -> InventoryLookup {
        InventoryLookup(options: config.inventoryLookupOptions, logger: logger, namingProblems: namingProblems)
    }

    /// The inventory, fastest source first (`refresh` asks AWS); from a running fedns only the instances `only`
    /// asks for, when given. A stale snapshot used because AWS failed is said, with its age; no inventory at all
    /// ends the command.
    func inventory(
        refresh: Bool, namingProblems: Bool = false, only queries: [InventoryLookup.InstanceQuery]? = nil
    ) async -> InventoryLookup.Result {
        let result: InventoryLookup.Result
        do {
            result = try await lookup(namingProblems: namingProblems).fetch(refresh: refresh, only: queries)
        } catch {
            var context = ""
            if config.discovery.snapshotPath != nil {
                context = refresh ? " (and no snapshot to fall back on)" : " (no fedns answered, and no snapshot to fall back on)"
            }
            Diagnostics.fail(command, .inventoryUnavailable, "no inventory: \(error)\(context)")
        }
        if verbose { Diagnostics.note(command, "inventory from \(result.origin)") }
        if let warning = result.warning { Diagnostics.note(command, "warning: \(warning)") }
        return result
    }

    /// A resolver over the inventory, with the zone's name so `web-1.ec2` works as in DNS.
    func resolver(for result: InventoryLookup.Result) -> InstanceResolver {
        resolver(over: result.document.instances)
    }

    private func resolver(over instances: [Instance]) -> InstanceResolver {
        InstanceResolver(instances: instances, options: config.dns.zone)
    }

    /// The address to use unless a flag chooses: `[companion] address`, else the zone's `[dns] address`.
    var defaultAddress: AddressChoice {
        config.companion.address ?? AddressChoice(config.dns.zone.addressMode)
    }

    /// The companion's own known_hosts file (`[companion] known_hosts`), where verified host keys are kept.
    var knownHostsFile: String? { config.companion.knownHostsFile }

    /// Runs `attempt` with a resolver for the names in `hosts`. A running fedns is asked for just the instances
    /// those names may mean (the whole fleet would cost it and us some 20 ms per 1,000 instances); when that finds
    /// no such name, `attempt` runs again over the whole inventory, so the error can suggest close names.
    func withResolver<Value>(
        for hosts: [String], refresh: Bool, _ attempt: (InstanceResolver) async throws(CompanionError) -> Value
    ) async throws(CompanionError) -> Value {
        let first = await inventory(refresh: refresh, only: hosts.map { .init(name: $0) })
        do {
            return try await attempt(resolver(for: first))
        } catch where error.status == .notFound && first.isPartial {
            return try await attempt(resolver(for: await inventory(refresh: refresh)))
        }
    }
}

/// Messages for people, on standard error, each starting with the command's name.
enum Diagnostics {
    /// Prints `message` on one line (what the person must read first fits there) and exits with `status`.
    static func fail(_ command: String, _ status: CompanionExitStatus, _ message: String) -> Never {
        write("\(command): \(oneLine(message))")
        exit(status.rawValue)
    }

    /// A companion error: its first line, and the candidates table below it when it lists instances.
    static func fail(_ command: String, _ error: CompanionError) -> Never {
        write("\(command): \(error.message)")
        exit(error.exitCode)
    }

    static func note(_ command: String, _ message: String) {
        write("\(command): \(oneLine(message))")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Errors from deeper layers may span lines (the credential chain lists every source it tried).
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
