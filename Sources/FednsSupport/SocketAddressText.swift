import NIOCore

/// `host:port` text for listen addresses, in both directions.
extension SocketAddress {
    /// `127.0.0.1:53`, `[::1]:53` or `[fd00::1]:5353`; numeric only, never resolved through DNS.
    public init?(hostPort text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        // NIO parses the host with inet_pton: numeric addresses only, never a name to resolve.
        guard let port = Int(portText), (0...65535).contains(port),
            let address = try? SocketAddress(ipAddress: String(host), port: port)
        else { return nil }
        self = address
    }


    /// `127.0.0.1:5353` / `[::1]:5353`.
    public var displayText: String {
        let host = ipAddress ?? "?"
        let port = self.port.map(String.init) ?? "?"
        return self.protocol == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension SocketAddress {
    /// A listen address turned into one a client on this host can send to: the wildcard becomes loopback.
    public var reachableFromHere: SocketAddress {
        guard let port, let ip = ipAddress else { return self }
        switch ip {
        case "0.0.0.0": return (try? SocketAddress(ipAddress: "127.0.0.1", port: port)) ?? self
        case "::": return (try? SocketAddress(ipAddress: "::1", port: port)) ?? self
        default: return self
        }
    }
}

