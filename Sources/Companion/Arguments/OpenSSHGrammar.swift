/// Which OpenSSH program a command line is for, and that program's option grammar: the single-letter flags that
/// take a value (`-p 22`, `-p22`, `-oUser=x`). Everything else in the command line is passed through untouched;
/// the grammar only lets us find the destination operand(s) without mistaking an option's value for one.
public enum OpenSSHTool: String, Sendable, CaseIterable {
    case ssh
    case scp
    case sftp

    /// Flags that take a value, from each program's manual (OpenSSH 9).
    public var flagsWithValue: Set<Character> {
        switch self {
        case .ssh: return ["B", "b", "c", "D", "E", "e", "F", "I", "i", "J", "L", "l", "m", "O", "o", "P", "p", "Q", "R", "S", "W", "w"]
        case .scp: return ["c", "D", "F", "i", "J", "l", "o", "P", "S", "X"]
        case .sftp: return ["B", "b", "c", "D", "F", "i", "J", "l", "o", "P", "R", "S", "s", "X"]
        }
    }

    /// `ssh` keeps reading options after the destination until the first non-option (the remote command).
    var optionsMayFollowDestination: Bool { self == .ssh }

    /// The flag that sets the port: ssh's `-p`, scp's and sftp's `-P` (ssh's `-P` is a tag).
    var portFlag: Character { self == .ssh ? "p" : "P" }
}

/// A command line split into what the grammar says each argument is.
public struct ParsedCommandLine: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        /// An option, with its value when it takes one (attached or the next argument).
        case option(flags: String, value: String?, arguments: [String])
        /// A non-option argument: a destination, a file operand, or (for ssh) part of the remote command.
        case operand(String)
        /// `--`: everything after it is an operand.
        case endOfOptions
    }

    public var tool: OpenSSHTool
    public var parts: [Part]

    /// The options given with `-o`, in order (`-o HostKeyAlias=x` gives `HostKeyAlias=x`).
    public var sshOptions: [String] {
        parts.compactMap { part in
            if case .option(let flags, let value, _) = part, flags.last == "o" { return value }
            return nil
        }
    }

    /// The port given on the command line, if any: ssh keeps its first `-p` (as it does every option), scp and
    /// sftp their last `-P`. A port set in an ssh configuration file is not seen here.
    public var port: Int? {
        let ports = parts.compactMap { part -> Int? in
            if case .option(let flags, let value, _) = part, flags.last == tool.portFlag { return value.flatMap { Int($0) } }
            return nil
        }
        return tool == .ssh ? ports.first : ports.last
    }

    /// Indexes into `parts` of the operands that name hosts: for ssh and sftp the first operand (the destination),
    /// for scp every operand that is a remote path.
    public var destinationIndexes: [Int] {
        let operands = parts.indices.filter { if case .operand = parts[$0] { return true } else { return false } }
        switch tool {
        case .ssh, .sftp:
            return operands.first.map { [$0] } ?? []
        case .scp:
            return operands.filter { index in
                if case .operand(let text) = parts[index] { return RemoteOperand.isRemote(text) }
                return false
            }
        }
    }

    /// The destination operands that name a host, with their indexes in `parts`.
    public var remoteOperands: [(index: Int, operand: RemoteOperand)] {
        destinationIndexes.compactMap { index in
            guard case .operand(let text) = parts[index], let operand = tool.remoteOperand(text) else { return nil }
            return (index, operand)
        }
    }

    /// The argument vector again, with operands possibly replaced.
    public var arguments: [String] {
        parts.flatMap { part -> [String] in
            switch part {
            case .option(_, _, let arguments): return arguments
            case .operand(let text): return [text]
            case .endOfOptions: return ["--"]
            }
        }
    }
}

extension OpenSSHTool {
    /// Splits arguments the way the program's getopt would, keeping each argument's original spelling.
    public func parse(_ arguments: [String]) -> ParsedCommandLine {
        var parts: [ParsedCommandLine.Part] = []
        var index = 0
        var optionsEnded = false
        var sawDestination = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded {
                parts.append(.operand(argument))
                continue
            }
            if argument == "--" {
                parts.append(.endOfOptions)
                optionsEnded = true
                continue
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                parts.append(.operand(argument))
                // ssh: options may follow the destination, but the first non-option after it starts the command.
                if !optionsMayFollowDestination || sawDestination { optionsEnded = true }
                sawDestination = true
                continue
            }
            // A cluster such as `-vvA` or `-p22`: the first flag that takes a value consumes the rest of the
            // cluster, or the next argument when the cluster ends with it.
            var flags = ""
            var value: String?
            var consumed = [argument]
            for (offset, character) in argument.dropFirst().enumerated() {
                flags.append(character)
                guard flagsWithValue.contains(character) else { continue }
                let rest = String(argument.dropFirst(offset + 2))
                if !rest.isEmpty {
                    value = rest
                } else if index < arguments.count {
                    value = arguments[index]
                    consumed.append(arguments[index])
                    index += 1
                }
                break
            }
            parts.append(.option(flags: flags, value: value, arguments: consumed))
        }
        return ParsedCommandLine(tool: self, parts: parts)
    }
}
