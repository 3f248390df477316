import Foundation

/// An http(s) URL taken apart into what a request needs: where to connect, the `Host` header to sign, the path.
struct EndpointURL: Sendable, Hashable {
    var scheme: String
    /// Without brackets for IPv6 literals (`::1`).
    var host: String
    var port: Int?
    /// At least `/`.
    var path: String
    var user: String?
    var password: String?

    init?(_ text: String) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let rawHost = components.host, !rawHost.isEmpty
        else { return nil }
        self.scheme = scheme
        // Some Foundations keep the brackets of an IPv6 literal in `host`, some drop them.
        host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        port = components.port
        path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        user = components.user
        password = components.password
    }

    /// `host[:port]`, the value of the `Host` header: the port only when it is not the scheme's default, which is
    /// what HTTP clients send and therefore what must be signed.
    var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return bracketed }
        return "\(bracketed):\(port)"
    }

    /// The URL of `path` on this endpoint's scheme, host and port.
    func url(path: String) -> String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let portPart = port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(bracketed)\(portPart)\(path)"
    }

    /// Loopback (`127.0.0.0/8`, `::1`, `localhost`) or link-local (`169.254.0.0/16`, `fe80::/10`, and the
    /// `fd00:ec2::` addresses of the EC2 metadata and container endpoints).
    var isLoopbackOrLinkLocal: Bool {
        let lower = host.lowercased()
        return lower == "localhost" || lower.hasPrefix("127.") || lower == "::1" || lower.hasPrefix("169.254.")
            || lower.hasPrefix("fe80:") || lower.hasPrefix("fd00:ec2::")
    }
}
