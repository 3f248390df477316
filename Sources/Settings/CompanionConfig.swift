import Companion
import FednsSupport

/// `[companion]`: defaults of `ec2ssh`, `ec2scp`, `ec2sftp` and `ec2host`; their command-line flags win.
public struct CompanionConfig: Sendable, Hashable {
    /// Which address to connect to (`--auto`, `--private`, `--public`, `--ipv6`).
    public var address: AddressChoice
    /// Pass `-o HostKeyAlias=INSTANCE-ID` (`--no-host-key-alias` turns it off for one command).
    public var hostKeyAlias: Bool
    /// Set the terminal or tmux window title to `ec2:NAME` (`--title`).
    public var title: Bool
    /// The programs run, by name (looked up in `PATH`) or path.
    public var programs: [OpenSSHTool: String]

    public init(
        address: AddressChoice = .auto, hostKeyAlias: Bool = true, title: Bool = false, programs: [OpenSSHTool: String] = [:]
    ) {
        self.address = address
        self.hostKeyAlias = hostKeyAlias
        self.title = title
        self.programs = programs
    }

    /// The program to run for a tool: the configured one, else the tool's own name.
    public func program(for tool: OpenSSHTool) -> String {
        programs[tool] ?? tool.rawValue
    }

    static func read(_ reader: inout TableReader, resolvingPathsFrom directory: String) throws(ConfigError) -> CompanionConfig {
        let addressText = try reader.string("address", default: AddressChoice.auto.rawValue)
        guard let address = AddressChoice(rawValue: addressText) else {
            let choices = AddressChoice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw reader.error("address", "expected one of \(choices), found \"\(addressText)\"")
        }
        var programs: [OpenSSHTool: String] = [:]
        for tool in OpenSSHTool.allCases {
            guard let text = try reader.string(tool.rawValue) else { continue }
            guard !text.isEmpty, !text.contains("\0") else {
                throw reader.error(tool.rawValue, "expected a program name such as \"\(tool.rawValue)\" or a path to it, found \"\(text)\"")
            }
            // A bare name is looked up in PATH when the command runs; a path is relative to the configuration file.
            programs[tool] = text.contains("/") ? resolvePath(text, from: directory) : text
        }
        let config = CompanionConfig(
            address: address, hostKeyAlias: try reader.bool("host_key_alias", default: true),
            title: try reader.bool("title", default: false), programs: programs)
        try reader.rejectUnknownKeys()
        return config
    }
}
