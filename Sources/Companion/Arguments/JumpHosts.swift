import Inventory

/// One hop of a jump list (`-J [user@]host[:port][,…]`, `-o ProxyJump=…`): `[user@]host[:port]` or
/// `ssh://[user@]host[:port]`. Only the host is ever replaced; the rest is written back as given.
public struct JumpHop: Sendable, Equatable {
    public var scheme: Bool
    public var user: String?
    public var host: String
    public var port: String?

    /// Parses one hop; nil for an empty one.
    public init?(_ text: String) {
        var rest = Substring(text)
        scheme = rest.hasPrefix("ssh://")
        if scheme { rest = rest.dropFirst(6) }
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
        } else if let colon = rest.firstIndex(of: ":"), rest.lastIndex(of: ":") == colon {
            host = String(rest[..<colon])
            port = String(rest[rest.index(after: colon)...])
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { return nil }
    }

    /// The hop with another host, bracketed when it is an IPv6 address.
    public func rendered(host newHost: String) -> String {
        let host = newHost.contains(":") ? "[\(newHost)]" : newHost
        return (scheme ? "ssh://" : "") + (user.map { "\($0)@" } ?? "") + host + (port.map { ":\($0)" } ?? "")
    }

    /// A jump list (`a,b`) with each hop passed through `rewrite` (which returns the new host, or nil to keep it).
    static func rewriteList(_ list: String, _ rewrite: (JumpHop) throws(CompanionError) -> String?) throws(CompanionError) -> String {
        // `none` switches jumping off (ssh_config's word); it is not a host.
        guard list.lowercased() != "none" else { return list }
        var hops: [String] = []
        for text in list.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard let hop = JumpHop(text), let host = try rewrite(hop) else {
                hops.append(text)
                continue
            }
            hops.append(hop.rendered(host: host))
        }
        return hops.joined(separator: ",")
    }
}

/// `[companion] jump`: the jump host (bastion) through which instances that have only private addresses are
/// reached, for all of them or per VPC (`"*"` for the rest).
public enum JumpHosts: Sendable, Hashable {
    case none
    case everywhere(String)
    case perVPC([String: String])

    /// The jump host for an instance, or nil when it needs none or none is configured for its VPC.
    public func jumpHost(for instance: Instance) -> String? {
        guard Self.hasOnlyPrivateAddresses(instance) else { return nil }
        switch self {
        case .none: return nil
        case .everywhere(let host): return host
        case .perVPC(let table): return instance.vpc.flatMap { table[$0] } ?? table["*"]
        }
    }

    /// No public IPv4 and no IPv6 (EC2's IPv6 addresses are global): only reachable from inside its network.
    public static func hasOnlyPrivateAddresses(_ instance: Instance) -> Bool {
        instance.publicIPv4 == nil && instance.ipv6.isEmpty
    }
}
