import ArgumentParser
import Companion
import EC2Zone
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Logging
import ServerAssembly
import Settings

struct InstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "Print the inventory: from a running fedns if one answers, else the snapshot or AWS directly.",
        discussion: """
            Without --config, the configuration is looked up in $FEDNS_CONFIG, ~/.config/fedns/fedns.toml and \
            /etc/fedns/fedns.toml, else defaults apply (AWS discovery in the environment's region). \
            The source used is named on standard error.
            """)

    @Option(name: .shortAndLong, help: "Configuration file (TOML).")
    var config: String?

    @Flag(help: "Print JSON for scripts (the control endpoint's /v1/instances document).")
    var json = false

    @Option(help: "Only instances in this region.")
    var region: String?

    @Option(help: "Only the instances a name of the zone names (web-1, web-1.eu-west-1, web.role, 2.web, an instance id).")
    var name: String?

    @Flag(help: "Print the naming problems instead (rewritten tags, shared names, unusable addresses).")
    var problems = false

    @Flag(help: "Ask AWS now, ignoring a running server and the snapshot.")
    var refresh = false

    func run() async throws {
        let logger = Logger(label: "fedns")
        let settings: FednsConfig
        do {
            settings = try FednsConfig.loadOrDefaults(path: config)
        } catch {
            printError("fedns instances: \(error)")
            throw ExitCode.failure
        }
        let result: InventoryLookup.Result
        do {
            result = try await InventoryLookup(options: settings.inventoryLookupOptions, logger: logger).fetch(refresh: refresh)
        } catch {
            printError("fedns instances: \(error)")
            throw ExitCode.failure
        }
        printError("(from \(result.origin))")
        if let warning = result.warning { printError("warning: \(warning)") }

        var document = result.document
        if let name {
            // Any name of the zone, read as the zone reads it, among instances in every state.
            let index = NameIndex(
                instances: document.instances, options: settings.dns.zone, states: Set(document.instances.map(\.state)))
            if case .instances(_, let named) = index.match(name) { document.instances = named } else { document.instances = [] }
        }
        document.instances = document.instances.filter { instance in region.map { instance.region == $0 } ?? true }
        document.instances = InventoryTable.listingOrder(document.instances)

        if json {
            print(String(decoding: try document.encoded(), as: UTF8.self))
        } else if problems {
            if document.problems.isEmpty { printError("no naming problems") }
            print(
                TextTable.render(
                    header: ["KIND", "NAME", "INSTANCES", "DETAIL"],
                    rows: document.problems.map { [$0.kind.rawValue, $0.name, $0.instanceIDs.joined(separator: ","), $0.detail] }))
        } else {
            print(InventoryTable.render(document.instances))
            let failing = document.sources.filter { $0.lastError != nil }
            for source in failing {
                printError("warning: \(source.profile ?? "default")/\(source.region): \(source.lastError ?? "")")
            }
        }
    }
}
