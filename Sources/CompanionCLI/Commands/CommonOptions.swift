import ArgumentParser
import Companion

/// Where the inventory comes from: shared by the four commands.
struct LookupOptions: ParsableArguments {
    @Option(
        name: .customLong("config"), help: ArgumentHelp(
            "Configuration file (TOML). Default: $FEDNS_CONFIG, ~/.config/fedns/fedns.toml, /etc/fedns/fedns.toml, else defaults.",
            valueName: "file"))
    var configPath: String?

    @Flag(help: "Ask AWS now, ignoring a running fedns and the snapshot.")
    var refresh = false

    @Flag(help: "Say where the inventory came from, and log discovery, on standard error.")
    var verbose = false
}

/// Which instance a name means, and which of its addresses.
struct SelectionOptions: ParsableArguments {
    @Flag(help: "Address to use (default: [companion] address, else auto: the public IPv4, else the private one).")
    var address: AddressChoice?

    @Flag(help: "When several running instances have the name, take the oldest.")
    var first = false

    @Flag(help: "When several running instances have the name, take any one.")
    var random = false

    @Option(help: ArgumentHelp("When several running instances have the name, take the Nth as listed (oldest first).", valueName: "n"))
    var pick: Int?

    func validate() throws {
        if [first, random, pick != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--first, --random and --pick choose in different ways; give one of them")
        }
        if let pick, pick < 1 { throw ValidationError("--pick counts from 1 (the oldest instance), found \(pick)") }
    }

    var duplicates: DuplicatePolicy {
        if first { return .first }
        if random { return .random }
        if let pick { return .pick(pick) }
        return .refuse
    }
}

extension AddressChoice: EnumerableFlag {
    public static func help(for value: AddressChoice) -> ArgumentHelp? {
        switch value {
        case .auto: return "The public IPv4 address if there is one, else the private one."
        case .private: return "The private IPv4 address."
        case .public: return "The public IPv4 address."
        case .ipv6: return "The first IPv6 address."
        }
    }
}
