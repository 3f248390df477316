import ArgumentParser
import Companion
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Settings

/// Which program a companion command wraps (a type, so each command is its own `ParsableCommand`).
public protocol WrappedProgram: Sendable {
    static var tool: OpenSSHTool { get }
    static var synopsis: String { get }
}

public enum SSHProgram: WrappedProgram {
    public static let tool = OpenSSHTool.ssh
    public static let synopsis = "[ssh options] [user@]NAME[.REGION]|INSTANCE-ID [command [argument ...]]"
}

public enum SCPProgram: WrappedProgram {
    public static let tool = OpenSSHTool.scp
    public static let synopsis = "[scp options] [[user@]NAME:]path ... [[user@]NAME:]path"
}

public enum SFTPProgram: WrappedProgram {
    public static let tool = OpenSSHTool.sftp
    public static let synopsis = "[sftp options] [user@]NAME[:path]"
}

/// `ec2ssh`, `ec2scp`, `ec2sftp`: the companion's own options come first; from the first argument that is not one
/// of them on, the command line is the real program's, and only its destination operands are rewritten from
/// instance names to addresses before the program is exec'd.
public struct OpenSSHCommand<Program: WrappedProgram>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        let tool = Program.tool
        return CommandConfiguration(
            commandName: tool.companionName,
            abstract: "\(tool.rawValue) to EC2 instances by name, using the inventory fedns keeps.",
            usage: "\(tool.companionName) [options] \(Program.synopsis)",
            discussion: """
                The options below come before the \(tool.rawValue) arguments; everything from the first other \
                argument on goes to \(tool.rawValue) unchanged, except that instance names become addresses and \
                -o HostKeyAlias=INSTANCE-ID is added. The inventory comes from a running fedns, else the snapshot \
                if it is younger than [discovery] refresh_interval, else AWS. Exit status: \(tool.rawValue)'s own \
                once it runs; before that \(CompanionExitStatus.summary).
                """,
            version: ReleaseVersion.current,
            helpNames: [.long])
    }

    @OptionGroup var lookup: LookupOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(name: .customLong("print"), help: "Print the command that would run, quoted for a shell, and exit.")
    var printOnly = false

    @Flag(help: "Start the instance if it is stopped (asking first on a terminal), and wait until its ssh port answers (not with --print).")
    var start = false

    @Flag(
        inversion: .prefixedNo,
        help: "Add -o HostKeyAlias=INSTANCE-ID, so known_hosts follows instances, not recycled IPs (default: [companion] host_key_alias, else on).")
    var hostKeyAlias: Bool?

    @Flag(inversion: .prefixedNo, help: "Set the terminal or tmux window title to ec2:NAME (default: [companion] title, else off).")
    var title: Bool?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The \(Program.tool.rawValue) command line.", valueName: "arguments"))
    var arguments: [String] = []

    public init() {}

    public func validate() throws {
        // The passthrough capture would hand these to the program; before any program argument they are ours.
        switch arguments.first {
        case "--help": throw CleanExit.helpRequest(self)
        case "--version": throw CleanExit.message(ReleaseVersion.current)
        default: break
        }
    }

    public func run() async throws {
        let tool = Program.tool
        let context = CompanionContext(command: tool.companionName, options: lookup)
        let settings = context.config.companion
        let program = settings.program(for: tool)
        let path = printOnly ? program : ProgramLauncher.require(program, tool: tool, command: context.command)

        var plan = CommandPlan(program: program, arguments: arguments)
        let hosts = rewriter(with: InstanceResolver(instances: []), context: context).hostsToResolve(arguments)
        // Without a destination (`ec2ssh -V`) there is nothing to resolve: the program explains its own usage.
        if !tool.parse(arguments).remoteOperands.isEmpty {
            do {
                plan = try await context.withResolver(for: hosts, refresh: lookup.refresh) { resolver throws(CompanionError) in
                    try await rewrite(with: resolver, context: context)
                }
            } catch {
                Diagnostics.fail(context.command, error)
            }
            plan.program = program
        }

        for notice in plan.notices { Diagnostics.note(context.command, notice) }
        if let host = plan.unverifiedHost {
            Diagnostics.note(
                context.command,
                "the host keys of \(plan.names.first ?? host.id) (\(host.id)) are not known yet (fedns reads them from the instance's console); ssh checks the key the usual way")
        }
        if printOnly {
            for note in plan.notes { Diagnostics.note(context.command, "note: \(note)") }
            print(plan.shellText)
            return
        }
        if let entry = plan.knownHosts, let file = context.knownHostsFile {
            do {
                try KnownHostsFile(path: file).store([entry])
            } catch {
                Diagnostics.fail(context.command, .configuration, "cannot write the host keys to \(file): \(error)")
            }
        }
        if title ?? settings.title, let name = plan.names.first {
            TerminalTitle.set("ec2:\(name)")
        }
        ProgramLauncher.exec(path: path, arguments: [program] + plan.arguments, command: context.command)
    }

    private func rewriter(with resolver: InstanceResolver, context: CompanionContext) -> CommandRewriter {
        let settings = context.config.companion
        return CommandRewriter(
            tool: Program.tool, resolver: resolver, address: selection.address ?? context.defaultAddress,
            duplicates: selection.duplicates, hostKeyAlias: hostKeyAlias ?? settings.hostKeyAlias, jump: settings.jump,
            knownHostsFile: context.knownHostsFile)
    }

    /// The command line with its destinations resolved; with `--start`, a stopped instance is started first. An
    /// instance whose host keys the inventory does not have yet has its console read here (unless an earlier command
    /// already filed its keys in the companion's known_hosts), so even the first connection to a new instance is
    /// checked.
    private func rewrite(with resolver: InstanceResolver, context: CompanionContext) async throws(CompanionError) -> CommandPlan {
        var rewriter = rewriter(with: resolver, context: context)
        var plan: CommandPlan
        do {
            plan = try rewriter.plan(arguments)
        } catch where error.status == .notRunning && start && !printOnly {
            rewriter.resolver = resolver.replacing(await startInstance(of: error, context: context, address: rewriter.address))
            plan = try rewriter.plan(arguments)
        }
        if let unverified = plan.unverifiedHost, unverified.state == "running", let keys = await hostKeys(of: unverified, context: context) {
            var known = unverified
            known.hostKeys = keys
            rewriter.resolver = rewriter.resolver.replacing(known)
            plan = try rewriter.plan(arguments)
        }
        return plan
    }

    /// Keys the inventory lacks: those an earlier command filed, else the instance's console.
    private func hostKeys(of instance: Instance, context: CompanionContext) async -> [HostKey]? {
        if let file = context.knownHostsFile {
            let filed = KnownHostsFile(path: file).keys(for: instance.id)
            if !filed.isEmpty { return filed }
        }
        guard case .aws(let aws) = context.config.discovery.source else { return nil }
        return await ConsoleKeyReader(aws: aws, logger: context.logger).keys(of: instance)
    }

    /// `--start` for a name whose instances are not running: one of them (the duplicate options choose when
    /// there are several), started and reachable, or the command ends.
    private func startInstance(of error: CompanionError, context: CompanionContext, address: AddressChoice) async -> Instance {
        guard case .aws(let aws) = context.config.discovery.source else {
            Diagnostics.fail(context.command, .startFailed, "--start needs AWS discovery ([discovery] source = \"aws\") in \(context.config.origin)")
        }
        let candidates = error.instances
        let chosen = candidates.count == 1 ? candidates.first : selection.duplicates.choose(from: candidates)
        guard let chosen else {
            Diagnostics.fail(
                context.command,
                CompanionError(
                    .ambiguous,
                    "\(candidates.count) instances that are not running match; pick the one to start with --pick N, --first or --random:\n"
                        + InventoryTable.render(candidates, numbered: true)))
        }
        let starter = InstanceStarter(command: context.command, aws: aws, logger: context.logger)
        do {
            return try await starter.start(
                chosen, typed: error.name ?? chosen.id, address: address, port: Program.tool.parse(arguments).port ?? 22)
        } catch {
            Diagnostics.fail(context.command, error)
        }
    }
}
