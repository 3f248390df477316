import FednsSupport
import NIOCore

/// `[control]`: the local HTTP endpoint for health, readiness, metrics and the inventory the companion commands
/// read. Loopback only unless configured otherwise: it describes the whole fleet.
public struct ControlConfig: Sendable, Hashable {
    public static let defaultListen = "127.0.0.1:9153"

    public var enabled: Bool
    public var listen: SocketAddress

    public init(enabled: Bool = true, listen: SocketAddress) {
        self.enabled = enabled
        self.listen = listen
    }

    static func read(_ reader: inout TableReader) throws(ConfigError) -> ControlConfig {
        let enabled = try reader.bool("enabled", default: true)
        let text = try reader.string("listen", default: defaultListen)
        guard let listen = SocketAddress(hostPort: text) else {
            throw reader.error("listen", "expected an IP address and port such as \"\(defaultListen)\", found \"\(text)\"")
        }
        try reader.rejectUnknownKeys()
        return ControlConfig(enabled: enabled, listen: listen)
    }
}
