import ArgumentParser
import Companion
import EC2Zone
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Settings

/// `ec2host`: the inventory as a table (or JSON), the address(es) of a name, the names for shell completion, and
/// the completion scripts themselves.
public struct HostCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ec2host",
        abstract: "List EC2 instances, or print the address of one by name.",
        usage: "ec2host [options] [NAME[.REGION]|INSTANCE-ID]",
        discussion: """
            Without a name: every instance as a table (--json for scripts). With a name: the address ec2ssh would \
            connect to, one line per instance (all instances of a shared name, unless --first, --random or --pick \
            chooses one). The inventory comes from a running fedns, else the snapshot if it is younger than \
            [discovery] refresh_interval, else AWS. Exit status: 0, else \(CompanionExitStatus.summary).
            """,
        version: ReleaseVersion.current,
        helpNames: [.long])

    @OptionGroup var lookup: LookupOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print the inventory as JSON (the document of fedns's control endpoint, /v1/instances).")
    var json = false

    @Flag(help: "Print the instance names only, from a running fedns or the snapshot, never asking AWS (for completion).")
    var names = false

    @Option(help: ArgumentHelp("Print the completion script of ec2ssh, ec2scp, ec2sftp and ec2host for a shell.", valueName: "shell"))
    var completion: CompletionShell?

    /// What the completion scripts call on Tab: the words of the command line so far, the last one being typed.
    @Option(parsing: .remaining, help: .hidden)
    var complete: [String] = []

    @Argument(help: ArgumentHelp("An instance name, NAME.REGION or instance id.", valueName: "name"))
    var name: String?

    public init() {}

    public func validate() throws {
        let modes = [json, names, completion != nil, !complete.isEmpty].filter { $0 }.count
        if modes > 1 { throw ValidationError("--json, --names and --completion print different things; give one of them") }
        if name != nil && (json || names || completion != nil) {
            throw ValidationError("a name cannot go with --json, --names or --completion (they print the whole inventory)")
        }
    }

    public func run() async throws {
        if let completion {
            print(completion.script, terminator: "")
            return
        }
        let context = CompanionContext(command: "ec2host", options: lookup)
        if names || !complete.isEmpty {
            // Completion runs on every Tab: only what this machine already has, and silence when it has nothing.
            guard let cached = await context.lookup().fetchCached() else {
                throw ExitCode(CompanionExitStatus.inventoryUnavailable.rawValue)
            }
            let known = Set(cached.document.instances.compactMap(InstanceNaming.label(of:))).sorted()
            let lines = names ? known : CompletionWords.candidates(complete, names: known)
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
            return
        }
        if let name {
            let address = selection.address ?? context.config.companion.address
            do {
                let addresses = try await context.withResolver(for: [name], refresh: lookup.refresh) { resolver throws(CompanionError) in
                    try resolver.selectAll(name, duplicates: selection.duplicates, startHint: OpenSSHTool.ssh.companionName)
                        .map { instance throws(CompanionError) in try address.requireAddress(of: instance, typed: name) }
                }
                print(addresses.joined(separator: "\n"))
            } catch {
                Diagnostics.fail(context.command, error)
            }
            return
        }
        // The JSON document lists the naming problems, as the control endpoint's does.
        let inventory = await context.inventory(refresh: lookup.refresh, namingProblems: json)
        if json {
            var document = inventory.document
            document.instances = InventoryTable.listingOrder(document.instances)
            print(String(decoding: try document.encoded(), as: UTF8.self))
        } else {
            print(InventoryTable.render(InventoryTable.listingOrder(inventory.document.instances)))
        }
    }
}
