import FednsSupport
import NIOCore
import NIOPosix

/// Binds the listen address once and lets it go, before the server starts: Hummingbird binds only when its service
/// runs, inside the service group, where "address in use" or "permission denied" would surface as a bare socket
/// error after everything else had started. Probed here, it stops start-up with the configuration key named.
enum ListenProbe {
    static func check(_ address: SocketAddress, file: String, key: String, group: any EventLoopGroup) async throws(ConfigError) {
        // Port 0 means "any free port": nothing to probe.
        guard address.port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(to: address).get()
            try await channel.close()
        } catch {
            throw ConfigError(
                file: file, key: key,
                message: "cannot listen on \(address.displayText): \(error); stop whatever uses it or choose another address")
        }
    }
}
