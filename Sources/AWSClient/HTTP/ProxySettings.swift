import Foundation
import AsyncHTTPClient

/// `HTTPS_PROXY` and `NO_PROXY`, which AsyncHTTPClient does not read by itself.
///
/// Only `https` requests (the real AWS endpoints) use the proxy. Plain `http` goes direct, and so does anything on
/// loopback or link-local addresses (the instance metadata service, container credentials, a local moto): a
/// proxy could not reach those, and must never see the credentials they hand out.
struct ProxySettings: Sendable {
    var host: String
    var port: Int
    var username: String?
    var password: String?
    /// Entries of `NO_PROXY`: host names (matching the name and its subdomains), addresses, or `*`.
    var exclusions: [String]

    var clientProxy: HTTPClient.Configuration.Proxy {
        if let username {
            return .server(host: host, port: port, authorization: .basic(username: username, password: password ?? ""))
        }
        return .server(host: host, port: port)
    }

    /// Reads the proxy variables; nil when no proxy is set. A value that is not `http://host[:port]` is an error
    /// rather than silently going direct, which would look like a network outage.
    static func from(_ environment: AWSEnvironment) throws(AWSClientError) -> ProxySettings? {
        guard let (variable, value) = environment.first("HTTPS_PROXY", "https_proxy") else { return nil }
        let withScheme = value.contains("://") ? value : "http://\(value)"
        guard let url = EndpointURL(withScheme), url.scheme == "http" else {
            throw AWSClientError(
                .configuration(
                    "\(variable) must look like http://proxy.example.com:3128, found \"\(Self.redactingPassword(value))\""
                ), operation: "proxy settings")
        }
        let exclusions = (environment.first("NO_PROXY", "no_proxy")?.value ?? "")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        return ProxySettings(
            host: url.host, port: url.port ?? 80, username: url.user, password: url.password, exclusions: exclusions)
    }

    func applies(to url: EndpointURL) -> Bool {
        guard url.scheme == "https", !url.isLoopbackOrLinkLocal else { return false }
        let host = url.host.lowercased()
        for exclusion in exclusions {
            if exclusion == "*" { return false }
            let name = exclusion.hasPrefix(".") ? String(exclusion.dropFirst()) : exclusion
            let bareName = name.split(separator: ":").first.map(String.init) ?? name
            if host == bareName || host.hasSuffix(".\(bareName)") { return false }
        }
        return true
    }

    private static func redactingPassword(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return value }
        return "<credentials redacted>" + value[at...]
    }
}
