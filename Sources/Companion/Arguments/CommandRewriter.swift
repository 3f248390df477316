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

    public init(program: String, arguments: [String], instances: [Instance] = [], names: [String] = [], notes: [String] = []) {
        self.program = program
        self.arguments = arguments
        self.instances = instances
        self.names = names
        self.notes = notes
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

/// Rewrites the destination(s) of an ssh/scp/sftp command line from instance names to addresses.
public struct CommandRewriter: Sendable {
    public var tool: OpenSSHTool
    public var resolver: InstanceResolver
    public var address: AddressChoice
    public var duplicates: DuplicatePolicy
    /// Pass `-o HostKeyAlias=INSTANCE-ID`, so known_hosts follows the instance, not its (recycled) IP address.
    public var hostKeyAlias: Bool

    public init(
        tool: OpenSSHTool, resolver: InstanceResolver, address: AddressChoice = .auto, duplicates: DuplicatePolicy = .refuse,
        hostKeyAlias: Bool = true
    ) {
        self.tool = tool
        self.resolver = resolver
        self.address = address
        self.duplicates = duplicates
        self.hostKeyAlias = hostKeyAlias
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

        var final = parsed.arguments
        let userSetAlias = parsed.sshOptions.contains { $0.lowercased().hasPrefix("hostkeyalias") }
        if hostKeyAlias, let first = instances.first {
            if userSetAlias {
                notes.append("HostKeyAlias given on the command line; not adding one")
            } else if Set(instances.map(\.id)).count > 1 {
                notes.append("several instances on one command line; no HostKeyAlias added (one alias cannot name two hosts)")
            } else {
                // First: every program reads options there, and a `--` before the destination ends them.
                final.insert(contentsOf: ["-o", "HostKeyAlias=\(first.id)"], at: 0)
            }
        }
        return CommandPlan(program: tool.rawValue, arguments: final, instances: instances, names: names, notes: notes)
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
