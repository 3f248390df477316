import ArgumentParser
import Companion
import Foundation

/// `ec2host --complete WORD…`: the candidates for the last word of a companion command line, as the shell scripts
/// ask for them. The companion's own options are read by the commands' own parsers, the program's by its grammar.
enum CompletionWords {
    static func candidates(_ words: [String], names: [String]) -> [String] {
        guard words.count >= 2, let command = words.first, let current = words.last else { return [] }
        let preceding = Array(words.dropFirst().dropLast())
        switch URL(fileURLWithPath: command).lastPathComponent {
        case OpenSSHTool.ssh.companionName: return program(OpenSSHCommand<SSHProgram>.self, preceding, current, names)
        case OpenSSHTool.scp.companionName: return program(OpenSSHCommand<SCPProgram>.self, preceding, current, names)
        case OpenSSHTool.sftp.companionName: return program(OpenSSHCommand<SFTPProgram>.self, preceding, current, names)
        case HostCommand.configuration.commandName:
            guard !current.hasPrefix("-"), let parsed = try? HostCommand.parse(preceding), parsed.name == nil,
                !parsed.names, parsed.completion == nil
            else { return [] }
            return DestinationCompletion.matching(current, names: names, suffix: "")
        default:
            return []
        }
    }

    /// A command line whose companion options do not parse (`--pick` still waiting for its value) completes nothing.
    private static func program<Program>(
        _ command: OpenSSHCommand<Program>.Type, _ preceding: [String], _ current: String, _ names: [String]
    ) -> [String] {
        guard let parsed = try? command.parse(preceding) else { return [] }
        return DestinationCompletion.candidates(tool: Program.tool, preceding: parsed.arguments, current: current, names: names)
    }
}
