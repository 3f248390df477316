/// A destination operand: `[user@]host`, `[user@]host:path` (scp, sftp), or a URL
/// (`ssh://[user@]host[:port]`, `scp://…/path`, `sftp://…/path`). Only the host is ever replaced; the user, port
/// and path are written back exactly as given.
public struct RemoteOperand: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// `[user@]host` (ssh destination, sftp without a path).
        case host
        /// `[user@]host:path` (the path may be empty: `web-1:`).
        case hostAndPath(String)
        /// `scheme://[user@]host[:port][/path]`.
        case url(scheme: String, port: String?, path: String)
    }

    public var user: String?
    public var host: String
    public var form: Form

    /// Parses an ssh/sftp destination (a trailing `:path` is only meaningful for sftp).
    public static func destination(_ text: String, allowPath: Bool) -> RemoteOperand? {
        if let url = parseURL(text) { return url }
        let (user, rest) = splitUser(text)
        if allowPath, let (host, path) = splitHostPath(rest) {
            return RemoteOperand(user: user, host: host, form: .hostAndPath(path))
        }
        guard !rest.isEmpty else { return nil }
        return RemoteOperand(user: user, host: unbracketed(rest), form: .host)
    }

    /// Parses an scp operand; nil for a local path.
    public static func scpOperand(_ text: String) -> RemoteOperand? {
        if let url = parseURL(text), url.form != .host { return url }
        let (user, rest) = splitUser(text)
        guard let (host, path) = splitHostPath(rest) else { return nil }
        return RemoteOperand(user: user, host: host, form: .hostAndPath(path))
    }

    /// scp's rule: an operand is remote when it has a colon before any slash (`[v6]:path` included).
    static func isRemote(_ text: String) -> Bool { scpOperand(text) != nil }

    /// The operand with another host (and user, when one is given), bracketing IPv6 where the form needs it.
    public func rendered(host newHost: String, user newUser: String? = nil) -> String {
        let user = (newUser ?? self.user).map { "\($0)@" } ?? ""
        let isIPv6 = newHost.contains(":")
        switch form {
        case .host:
            return user + newHost
        case .hostAndPath(let path):
            return user + (isIPv6 ? "[\(newHost)]" : newHost) + ":" + path
        case .url(let scheme, let port, let path):
            let host = isIPv6 ? "[\(newHost)]" : newHost
            return "\(scheme)://\(user)\(host)\(port.map { ":\($0)" } ?? "")\(path)"
        }
    }

    private static func splitUser(_ text: String) -> (String?, String) {
        // The last `@` before the host: user names may contain `@` (`me@corp@host`), hosts never do.
        let hostStart = text.firstIndex(of: "[") ?? text.firstIndex(of: ":") ?? text.endIndex
        guard let at = text[..<hostStart].lastIndex(of: "@") else { return (nil, text) }
        return (String(text[..<at]), String(text[text.index(after: at)...]))
    }

    /// `host:path` or `[v6]:path`, when the colon comes before any slash.
    private static func splitHostPath(_ text: String) -> (String, String)? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let after = text.index(after: close)
            guard after < text.endIndex, text[after] == ":" else { return nil }
            return (String(text[text.index(after: text.startIndex)..<close]), String(text[text.index(after: after)...]))
        }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        if let slash = text.firstIndex(of: "/"), slash < colon { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty else { return nil }
        return (host, String(text[text.index(after: colon)...]))
    }

    private static func parseURL(_ text: String) -> RemoteOperand? {
        for scheme in ["ssh", "scp", "sftp"] where text.hasPrefix("\(scheme)://") {
            let rest = String(text.dropFirst(scheme.count + 3))
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = String(rest[..<authorityEnd])
            let path = String(rest[authorityEnd...])
            let (user, hostPort) = splitUser(authority)
            var host = hostPort
            var port: String?
            if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if after.hasPrefix(":") { port = String(after.dropFirst()) }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = String(hostPort[..<colon])
                port = String(hostPort[hostPort.index(after: colon)...])
            }
            guard !host.isEmpty else { return nil }
            return RemoteOperand(user: user, host: host, form: .url(scheme: scheme, port: port, path: path))
        }
        return nil
    }

    private static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
