import Companion
import FednsSupport

/// `[companion]`: defaults of `ec2ssh`, `ec2scp`, `ec2sftp` and `ec2host`; their command-line flags win.
public struct CompanionConfig: Sendable, Hashable {
    /// Which address to connect to (`--auto`, `--private`, `--public`, `--ipv6`); nil: `[dns] address`'s choice.
    public var address: AddressChoice?
    /// The jump host for instances that have only private addresses (`jump = "bastion"`, or per VPC).
    public var jump: JumpHosts
    /// The companion's own known_hosts file, where host keys read from instance consoles are written and checked
    /// (`known_hosts`; default `known_hosts` in the state directory; nil when there is none or it is "").
    public var knownHostsFile: String?
    /// Pass `-o HostKeyAlias=INSTANCE-ID` (`--no-host-key-alias` turns it off for one command).
    public var hostKeyAlias: Bool
    /// Set the terminal or tmux window title to `ec2:NAME` (`--title`).
    public var title: Bool
    /// The programs run, by name (looked up in `PATH`) or path.
    public var programs: [OpenSSHTool: String]

    public init(
        address: AddressChoice? = nil, hostKeyAlias: Bool = true, title: Bool = false, programs: [OpenSSHTool: String] = [:],
        jump: JumpHosts = .none, knownHostsFile: String? = CompanionConfig.defaultKnownHostsFile()
    ) {
        self.address = address
        self.jump = jump
        self.knownHostsFile = knownHostsFile
        self.hostKeyAlias = hostKeyAlias
        self.title = title
        self.programs = programs
    }

    /// `known_hosts` in fedns's state directory (`$STATE_DIRECTORY`, `$XDG_STATE_HOME/fedns`,
    /// `~/.local/state/fedns`).
    public static func defaultKnownHostsFile() -> String? {
        ProcessEnvironment.userDirectory(systemd: "STATE_DIRECTORY", xdg: "XDG_STATE_HOME", fallback: ".local/state")
            .map { "\($0)/known_hosts" }
    }

    /// The program to run for a tool: the configured one, else the tool's own name.
    public func program(for tool: OpenSSHTool) -> String {
        programs[tool] ?? tool.rawValue
    }

    static func read(_ reader: inout TableReader, resolvingPathsFrom directory: String) throws(ConfigError) -> CompanionConfig {
        var address: AddressChoice?
        if let addressText = try reader.string("address") {
            guard let choice = AddressChoice(rawValue: addressText) else {
                let choices = AddressChoice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw reader.error("address", "expected one of \(choices), found \"\(addressText)\"")
            }
            address = choice
        }
        let jump = try readJump(&reader)
        let knownHosts: String? =
            switch try reader.string("known_hosts") {
            case nil: defaultKnownHostsFile()
            case .some(""): nil
            case .some(let path): resolvePath(path, from: directory)
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
            title: try reader.bool("title", default: false), programs: programs, jump: jump, knownHostsFile: knownHosts)
        try reader.rejectUnknownKeys()
        return config
    }

    /// `jump = "bastion"` or `jump = { "vpc-0abc" = "bastion-a", "*" = "bastion" }`.
    private static func readJump(_ reader: inout TableReader) throws(ConfigError) -> JumpHosts {
        guard reader.has("jump") else { return .none }
        if !reader.isTable("jump") {
            guard let name = try reader.string("jump"), !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw reader.error("jump", "expected the name of the jump host (an instance name such as \"bastion\") or a table by VPC")
            }
            return .everywhere(name)
        }
        var table: [String: String] = [:]
        for (vpc, name) in try reader.stringTable("jump") ?? [] {
            guard vpc == "*" || vpc.hasPrefix("vpc-") else {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("jump")).\(vpc)",
                    message: "expected a VPC id such as \"vpc-0abc\" or \"*\" for every other VPC, found \"\(vpc)\"")
            }
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("jump")).\(vpc)",
                    message: "expected the name of the jump host, found \"\(name)\"")
            }
            table[vpc] = name
        }
        return .perVPC(table)
    }
}
