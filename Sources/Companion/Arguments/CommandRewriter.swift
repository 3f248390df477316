import Foundation
import Inventory

/// What to run: the real program and its argument vector, with only the destination operands rewritten.
public struct CommandPlan: Sendable, Equatable {
    public var program: String
    public var arguments: [String]
    /// The instances the destinations resolved to, in operand order.
    public var instances: [Instance]
    /// Notes for the person (e.g. why no host-key alias was added), printed with `--print`.
    public var notes: [String]

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

/// Something that stops the command before ssh runs, with the message to print and the exit status.
public struct CompanionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
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
        var notes: [String] = []
        for index in parsed.destinationIndexes {
            guard case .operand(let text) = parsed.parts[index] else { continue }
            let operand: RemoteOperand?
            switch tool {
            case .ssh: operand = RemoteOperand.destination(text, allowPath: false)
            case .sftp: operand = RemoteOperand.destination(text, allowPath: true)
            case .scp: operand = RemoteOperand.scpOperand(text)
            }
            guard let operand else { continue }
            let instance = try choose(operand.host)
            guard let target = address.address(of: instance) else {
                throw CompanionError(
                    "\(operand.host) (\(instance.id)) has no \(address.rawValue) address; try \(alternatives(for: instance))")
            }
            parsed.parts[index] = .operand(operand.rendered(host: target))
            instances.append(instance)
        }

        var final = parsed.arguments
        let distinct = Set(instances.map(\.id))
        let userSetAlias = parsed.sshOptions.contains { $0.lowercased().hasPrefix("hostkeyalias") }
        if hostKeyAlias, let first = instances.first {
            if userSetAlias {
                notes.append("HostKeyAlias given on the command line; not adding one")
            } else if distinct.count > 1 {
                notes.append("several instances on one command line; no HostKeyAlias added (one alias cannot name two hosts)")
            } else {
                // Before the destination for ssh (where the user's own options may also appear after it), first
                // for scp and sftp, whose options must all precede the operands.
                let position: Int
                if tool == .ssh, let destination = parsed.destinationIndexes.first {
                    position = parsed.parts[..<destination].reduce(0) { count, part in count + Self.width(of: part) }
                } else {
                    position = 0
                }
                final.insert(contentsOf: ["-o", "HostKeyAlias=\(first.id)"], at: position)
            }
        }
        return CommandPlan(program: tool.rawValue, arguments: final, instances: instances, notes: notes)
    }

    private static func width(of part: ParsedCommandLine.Part) -> Int {
        switch part {
        case .option(_, _, let arguments): return arguments.count
        case .operand, .endOfOptions: return 1
        }
    }

    private func choose(_ host: String) throws(CompanionError) -> Instance {
        switch resolver.resolve(host) {
        case .found(let instance):
            return instance
        case .ambiguous(let candidates):
            if let chosen = duplicates.choose(from: candidates) { return chosen }
            if case .pick(let number) = duplicates {
                throw CompanionError("--pick \(number) is out of range: \(candidates.count) instances are called \(host)")
            }
            throw CompanionError(
                "\(candidates.count) running instances are called \(host); pick one with --pick N, --first or --random, or use an instance id:\n"
                    + InventoryTable.render(candidates, numbered: true))
        case .notRunning(let candidates):
            let states = Set(candidates.map(\.state)).sorted().joined(separator: "/")
            throw CompanionError(
                "\(host) is \(states), not running (start it, or run \(tool.companionName) --start \(host)):\n"
                    + InventoryTable.render(candidates, numbered: true), exitCode: 3)
        case .notFound(let suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
            throw CompanionError("no EC2 instance is called \(host)\(hint)", exitCode: 2)
        }
    }

    private func alternatives(for instance: Instance) -> String {
        AddressChoice.allCases.filter { $0 != address && $0.address(of: instance) != nil }
            .map { "--\($0.rawValue)" }.joined(separator: " or ")
    }
}

extension OpenSSHTool {
    /// The companion command for this program (`ec2ssh`).
    public var companionName: String { "ec2\(rawValue)" }
}
