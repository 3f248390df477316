import Foundation
import Inventory

/// What to run: the real program and its argument vector, with only the destination operands rewritten.
public struct CommandPlan: Sendable, Equatable {
    public var program: String
    public var arguments: [String]
    /// The instances the destinations resolved to, in operand order.
    public var instances: [Instance]
    /// The host names as typed, in operand order (for the terminal title).
    public var names: [String]
    /// Notes for the person (e.g. why no host-key alias was added), printed with `--print`.
    public var notes: [String]
    /// What the person must be told before the program runs (a jump host chosen for them), always printed.
    public var notices: [String]
    /// Host keys to write into the companion's known_hosts file, under the alias (the instance id) the command
    /// verifies them by, before the program runs.
    public var knownHosts: KnownHostsEntry?
    /// The instance the host-key alias names, when its keys are not known: ssh will ask about its key.
    public var unverifiedHost: Instance?

    public init(
        program: String, arguments: [String], instances: [Instance] = [], names: [String] = [], notes: [String] = [],
        notices: [String] = []
    ) {
        self.program = program
        self.arguments = arguments
        self.instances = instances
        self.names = names
        self.notes = notes
        self.notices = notices
    }


    /// The command as a shell would need it typed (for `--print` only; it is never run through a shell).
    public var shellText: String {
        ([program] + arguments).map(Self.quote).joined(separator: " ")
    }

    static func quote(_ argument: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
        if !argument.isEmpty && argument.unicodeScalars.allSatisfy({ safe.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Host keys filed under a `HostKeyAlias` in a known_hosts file.
public struct KnownHostsEntry: Sendable, Equatable {
    public var alias: String
    public var keys: [HostKey]

    public init(alias: String, keys: [HostKey]) {
        self.alias = alias
        self.keys = keys
    }

    /// The known_hosts lines: `ALIAS TYPE BASE64`.
    public var lines: [String] { keys.map { "\(alias) \($0.type) \($0.base64)" } }

    /// `text` (a known_hosts file) with the lines of the entries' aliases replaced by theirs; other hosts' lines
    /// stay as they are.
    public static func merge(_ entries: [KnownHostsEntry], into text: String) -> String {
        let aliases = Set(entries.map(\.alias))
        var kept = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            guard let hosts = line.split(whereSeparator: \.isWhitespace).first else { return true }
            return !hosts.split(separator: ",").contains { aliases.contains(String($0)) }
        }
        while kept.last == "" { kept.removeLast() }
        let lines = kept + entries.flatMap(\.lines)
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}

/// Rewrites the destination(s) of an ssh/scp/sftp command line from instance names to addresses.
public struct CommandRewriter: Sendable {
    public var tool: OpenSSHTool
    public var resolver: InstanceResolver
    public var address: AddressChoice
    public var duplicates: DuplicatePolicy
    /// Pass `-o HostKeyAlias=INSTANCE-ID`, so known_hosts follows the instance, not its (recycled) IP address.
    public var hostKeyAlias: Bool
    /// `[companion] jump`: the jump host for instances with only private addresses (unless the command line
    /// names its own).
    public var jump: JumpHosts
    /// The companion's own known_hosts file: an instance whose host keys are known is checked against them there,
    /// strictly (`UserKnownHostsFile`, `StrictHostKeyChecking=yes`). nil leaves host keys to ssh's own files.
    public var knownHostsFile: String?

    public init(
        tool: OpenSSHTool, resolver: InstanceResolver, address: AddressChoice = .auto, duplicates: DuplicatePolicy = .refuse,
        hostKeyAlias: Bool = true, jump: JumpHosts = .none, knownHostsFile: String? = nil
    ) {
        self.tool = tool
        self.resolver = resolver
        self.address = address
        self.duplicates = duplicates
        self.hostKeyAlias = hostKeyAlias
        self.jump = jump
        self.knownHostsFile = knownHostsFile
    }

    public func plan(_ arguments: [String]) throws(CompanionError) -> CommandPlan {
        var parsed = tool.parse(arguments)
        var instances: [Instance] = []
        var names: [String] = []
        var notes: [String] = []
        // One choice per name: `ec2scp --random twin:a twin:b` copies both files to the same instance.
        var chosen: [String: Instance] = [:]
        for (index, operand) in parsed.remoteOperands {
            let instance: Instance
            if let earlier = chosen[operand.host.lowercased()] {
                instance = earlier
            } else {
                instance = try resolver.select(operand.host, duplicates: duplicates, startHint: tool.companionName)
                chosen[operand.host.lowercased()] = instance
            }
            let target = try address.requireAddress(of: instance, typed: operand.host)
            parsed.parts[index] = .operand(operand.rendered(host: target))
            instances.append(instance)
            names.append(operand.host)
        }

        let explicitJump = try rewriteJumps(&parsed)
        var notices: [String] = []
        var leading: [String] = []
        if !explicitJump, let (jumpTarget, notice) = try automaticJump(for: instances, names: names) {
            leading += ["-J", jumpTarget]
            notices.append(notice)
        }

        var plan = CommandPlan(program: tool.rawValue, arguments: [], instances: instances, names: names, notices: notices)
        let userOptions = parsed.sshOptions.map { $0.lowercased() }
        let userSetAlias = userOptions.contains { $0.hasPrefix("hostkeyalias") }
        if hostKeyAlias, let first = instances.first {
            if userSetAlias {
                notes.append("HostKeyAlias given on the command line; not adding one")
            } else if Set(instances.map(\.id)).count > 1 {
                notes.append("several instances on one command line; no HostKeyAlias added (one alias cannot name two hosts)")
            } else {
                // First: every program reads options there, and a `--` before the destination ends them.
                leading += ["-o", "HostKeyAlias=\(first.id)"]
                let userSetKnownHosts = userOptions.contains {
                    $0.hasPrefix("userknownhostsfile") || $0.hasPrefix("stricthostkeychecking")
                        || $0.hasPrefix("globalknownhostsfile")
                }
                if let knownHostsFile, !userSetKnownHosts {
                    if first.hostKeys.isEmpty {
                        plan.unverifiedHost = first
                    } else {
                        // ssh takes the first value of an option, so these win over any configuration file.
                        leading += ["-o", "UserKnownHostsFile=\(knownHostsFile)", "-o", "StrictHostKeyChecking=yes"]
                        plan.knownHosts = KnownHostsEntry(alias: first.id, keys: first.hostKeys)
                    }
                }
            }
        }
        plan.arguments = leading + parsed.arguments
        plan.notes = notes
        return plan
    }

    /// Resolves the hosts of `-J` and `-o ProxyJump=` through the inventory, in place; true when the command line
    /// says how to jump itself (then `[companion] jump` does not apply). A hop that is no instance's name is left
    /// as it is, for ssh to resolve (a host of the person's ssh_config, a DNS name).
    private func rewriteJumps(_ parsed: inout ParsedCommandLine) throws(CompanionError) -> Bool {
        var explicit = false
        for index in parsed.parts.indices {
            guard case .option(let flags, let value?, let arguments) = parsed.parts[index] else { continue }
            if flags.last == "o", value.lowercased().hasPrefix("proxycommand") { explicit = true }
            guard let (prefix, list) = Self.jumpList(flags: flags, value: value) else { continue }
            explicit = true
            let newValue = prefix + (try JumpHop.rewriteList(list) { hop throws(CompanionError) in try jumpAddress(hop.host) })
            guard newValue != value else { continue }
            // The value attached to its flag (`-Jbastion`, `-oProxyJump=x`) or as the next argument.
            let rewrittenArguments =
                arguments.count == 1 ? [String(arguments[0].dropLast(value.count)) + newValue] : [arguments[0], newValue]
            parsed.parts[index] = .option(flags: flags, value: newValue, arguments: rewrittenArguments)
        }
        return explicit
    }

    /// The jump list an option gives (`-J LIST`, `-o ProxyJump=LIST`, `-o "ProxyJump LIST"`), after what precedes
    /// it in the option's value.
    static func jumpList(flags: String, value: String) -> (prefix: String, list: String)? {
        if flags.last == "J" { return ("", value) }
        guard flags.last == "o", value.lowercased().hasPrefix("proxyjump"),
            let separator = value.firstIndex(where: { $0 == "=" || $0 == " " })
        else { return nil }
        let list = value[value.index(after: separator)...].drop { $0 == " " || $0 == "=" }
        return (String(value[..<list.startIndex]), String(list))
    }

    /// Every name the command line may need resolved: its destinations, the hosts of its jump lists and the
    /// configured jump hosts (a running fedns is asked for exactly these).
    public func hostsToResolve(_ arguments: [String]) -> [String] {
        let parsed = tool.parse(arguments)
        var hosts = parsed.remoteOperands.map(\.operand.host)
        for part in parsed.parts {
            guard case .option(let flags, let value?, _) = part, let (_, list) = Self.jumpList(flags: flags, value: value) else {
                continue
            }
            hosts += list.split(separator: ",").compactMap { JumpHop(String($0))?.host }
        }
        switch jump {
        case .none: break
        case .everywhere(let host): hosts.append(host)
        case .perVPC(let table): hosts += table.values.sorted()
        }
        return hosts
    }

    /// The address of a jump host named as an instance; nil when no instance has that name (ssh resolves it).
    private func jumpAddress(_ name: String) throws(CompanionError) -> String? {
        guard case .notFound = resolver.resolve(name) else {
            // Jump hosts are reached from here, so the address choice of the destination does not apply to them.
            let instance = try resolver.select(name, duplicates: .refuse, startHint: tool.companionName)
            return try AddressChoice.auto.requireAddress(of: instance, typed: name)
        }
        return nil
    }

    /// `[companion] jump` for destinations that have only private addresses: the `-J` value and what to say.
    private func automaticJump(for instances: [Instance], names: [String]) throws(CompanionError) -> (String, String)? {
        // IPv6 addresses are global, and an explicit choice of the public address is the person's call.
        guard address != .ipv6, address != .public else { return nil }
        for (instance, typed) in zip(instances, names) {
            guard let jumpName = jump.jumpHost(for: instance) else { continue }
            let jumpInstance = try resolver.select(jumpName, duplicates: .refuse, startHint: tool.companionName)
            guard jumpInstance.id != instance.id else { continue }
            let jumpTarget = try AddressChoice.auto.requireAddress(of: jumpInstance, typed: jumpName)
            let rendered = jumpTarget.contains(":") ? "[\(jumpTarget)]" : jumpTarget
            return (
                rendered,
                "\(typed) (\(instance.id)) has only private addresses; going through \(jumpName) (\(jumpInstance.id), \(jumpTarget)) as [companion] jump says"
            )
        }
        return nil
    }
}

extension OpenSSHTool {
    /// The companion command for this program (`ec2ssh`).
    public var companionName: String { "ec2\(rawValue)" }

    /// An operand that names a host, in this program's syntax; nil for a local path (scp).
    public func remoteOperand(_ text: String) -> RemoteOperand? {
        switch self {
        case .ssh: return RemoteOperand.destination(text, allowPath: false)
        case .sftp: return RemoteOperand.destination(text, allowPath: true)
        case .scp: return RemoteOperand.scpOperand(text)
        }
    }
}
