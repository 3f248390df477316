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
        usage: "ec2host [options] [NAME[.REGION]|INSTANCE-ID|VALUE.LABEL|N.NAME]\n       ec2host --ssh-config [--user U] [--jump auto] [--write FILE]",
        discussion: """
            Without a name: every instance as a table (--json for scripts). With a name: the address ec2ssh would \
            connect to, one line per instance (all instances of a shared name or group, unless --first, --random or \
            --pick chooses one; --table shows them numbered as N.NAME counts). --ssh-config prints an ssh_config with \
            a Host block per instance, for any tool that runs ssh; --write replaces only its own block in FILE. The \
            inventory comes from a running fedns, else the snapshot if it is younger than [discovery] \
            refresh_interval, else AWS. Exit status: 0, else \(CompanionExitStatus.summary).
            """,
        version: ReleaseVersion.current,
        helpNames: [.long])

    @OptionGroup var lookup: LookupOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print the inventory as JSON (the document of fedns's control endpoint, /v1/instances).")
    var json = false

    @Flag(help: "Print the instance names only, from a running fedns or the snapshot, never asking AWS (for completion).")
    var names = false

    @Flag(help: "With a name: print the instances it names as a table, numbered in the order N.NAME counts.")
    var table = false

    @Flag(name: .customLong("ssh-config"), help: "Print an ssh_config with a Host block for every instance (HostName, HostKeyAlias, UserKnownHostsFile, ProxyJump).")
    var sshConfig = false

    @Option(help: ArgumentHelp("With --ssh-config: the User of every Host block.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("With --ssh-config: auto adds ProxyJump ([companion] jump) for instances with only private addresses.", valueName: "auto"))
    var jump: String?

    @Option(help: ArgumentHelp("With --ssh-config: replace the ec2host block in this file (atomically), instead of printing it.", valueName: "file"))
    var write: String?

    @Option(help: ArgumentHelp("Print the completion script of ec2ssh, ec2scp, ec2sftp and ec2host for a shell.", valueName: "shell"))
    var completion: CompletionShell?

    /// What the completion scripts call on Tab: the words of the command line so far, the last one being typed.
    @Option(parsing: .remaining, help: .hidden)
    var complete: [String] = []

    @Argument(help: ArgumentHelp("An instance name, NAME.REGION or instance id.", valueName: "name"))
    var name: String?

    public init() {}

    public func validate() throws {
        let modes = [json, names, completion != nil, !complete.isEmpty, sshConfig].filter { $0 }.count
        if modes > 1 { throw ValidationError("--json, --names, --ssh-config and --completion print different things; give one of them") }
        if name != nil && (json || names || completion != nil || sshConfig) {
            throw ValidationError("a name cannot go with --json, --names, --ssh-config or --completion (they print the whole inventory)")
        }
        if !sshConfig && (user != nil || jump != nil || write != nil) {
            throw ValidationError("--user, --jump and --write go with --ssh-config")
        }
        if let jump, jump != "auto" { throw ValidationError("--jump takes auto (the jump hosts of [companion] jump), found \(jump)") }
        if table && name == nil { throw ValidationError("--table lists the instances of a name; give one") }
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
            // The names people type first: NAME and VALUE.LABEL (ids and numbered names are not worth a Tab).
            let known = NameIndex(instances: cached.document.instances, options: context.config.dns.zone, states: Set(cached.document.instances.map(\.state)))
                .names(of: [.name, .group])
            let lines = names ? known : CompletionWords.candidates(complete, names: known)
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
            return
        }
        let address = selection.address ?? context.defaultAddress
        if let name {
            do {
                let selected = try await context.withResolver(for: [name], refresh: lookup.refresh) { resolver throws(CompanionError) in
                    try resolver.selectAll(name, duplicates: selection.duplicates, startHint: OpenSSHTool.ssh.companionName)
                }
                if table {
                    print(InventoryTable.render(selected, numbered: true))
                } else {
                    let addresses = try selected.map { instance throws(CompanionError) in try address.requireAddress(of: instance, typed: name) }
                    print(addresses.joined(separator: "\n"))
                }
            } catch {
                Diagnostics.fail(context.command, error)
            }
            return
        }
        if sshConfig {
            await writeSSHConfig(context: context, address: address)
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

    /// `--ssh-config`: the block printed, or put in place of the old one in `--write`'s file; the host keys it
    /// relies on are filed in the companion's known_hosts first.
    private func writeSSHConfig(context: CompanionContext, address: AddressChoice) async {
        let inventory = await context.inventory(refresh: lookup.refresh)
        let config = SSHConfig(
            zone: context.config.dns.zone, address: address, user: user, jump: jump == "auto" ? context.config.companion.jump : .none,
            knownHostsFile: context.knownHostsFile)
        let rendered = config.render(inventory.document.instances)
        for reason in rendered.skipped { Diagnostics.note(context.command, "left out \(reason)") }
        do {
            if let file = context.knownHostsFile { try KnownHostsFile(path: file).store(rendered.knownHosts) }
        } catch {
            Diagnostics.fail(context.command, .configuration, "cannot write the host keys to \(context.knownHostsFile ?? ""): \(error)")
        }
        guard let write else {
            print(rendered.text, terminator: "")
            return
        }
        let path = NSString(string: write).expandingTildeInPath
        do {
            let existing = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : ""
            let updated = try SSHConfig.replacingBlock(in: existing, with: rendered.text)
            try AtomicFile.write(Data(updated.utf8), to: path, permissions: 0o600, directoryPermissions: 0o700)
        } catch let error as CompanionError {
            Diagnostics.fail(context.command, .configuration, "\(path): \(error.message)")
        } catch {
            Diagnostics.fail(context.command, .configuration, "cannot write \(path): \(error)")
        }
        Diagnostics.note(context.command, "wrote the ec2host block of \(path)")
    }
}
