import AWSDiscovery
import Inventory
import InventoryLookup
import Logging
import Settings
import Synchronization
import FederationHTTP

/// SIGHUP re-reads the configuration file. What can change live is handed to the parts that own it (zone
/// settings, discovery regions and interval); what needs new sockets or a new process is named in the log; a
/// file that no longer validates changes nothing and says why.
final class ConfigReloader: Sendable {
    private let path: String
    private let current: Mutex<FednsConfig>
    private let logger: Logger
    private let appliers: Mutex<[@Sendable (FednsConfig) async -> Void]> = Mutex([])

    init(initial: FednsConfig, logger: Logger) {
        path = initial.origin
        current = Mutex(initial)
        self.logger = logger
    }

    /// Registers a part of the server that takes its settings from a reloaded configuration.
    func onReload(_ apply: @escaping @Sendable (FednsConfig) async -> Void) {
        appliers.withLock { $0.append(apply) }
    }

    func reload() async {
        let fresh: FednsConfig
        do {
            fresh = try FednsConfig.load(path: path)
        } catch {
            logger.error("configuration not reloaded; keeping the running one", metadata: ["error": "\(error)"])
            return
        }
        let previous = current.withLock { config in
            defer { config = fresh }
            return config
        }
        let needRestart = Self.restartOnlyChanges(from: previous, to: fresh)
        if !needRestart.isEmpty {
            logger.warning(
                "configuration changes that take effect only after a restart",
                metadata: ["keys": "\(needRestart.joined(separator: ", "))"])
        }
        for apply in appliers.withLock({ $0 }) { await apply(fresh) }
        logger.info("configuration reloaded", metadata: ["path": "\(path)"])
    }

    /// Settings bound to sockets, threads or the process itself.
    static func restartOnlyChanges(from old: FednsConfig, to new: FednsConfig) -> [String] {
        var keys: [String] = []
        if old.dns.listen != new.dns.listen { keys.append("dns.listen") }
        if old.dns.enabled != new.dns.enabled { keys.append("dns.enabled") }
        if old.dns.threads != new.dns.threads { keys.append("dns.threads") }
        if old.dns.tcpIdleTimeout != new.dns.tcpIdleTimeout || old.dns.tcpPartialMessageTimeout != new.dns.tcpPartialMessageTimeout
            || old.dns.tcpMaxConnections != new.dns.tcpMaxConnections
        {
            keys.append("dns.tcp_*")
        }
        if old.dns.queryLog != new.dns.queryLog { keys.append("dns.query_log") }
        if old.dns.transfer != new.dns.transfer { keys.append("dns.transfer") }
        if old.control != new.control { keys.append("control") }
        if old.process != new.process { keys.append("process") }
        // The SEP-10 keys, the self-service policy and the accepted networks are loaded once, with the endpoint.
        let (oldSite, newSite) = (old.federation?.site, new.federation?.site)
        if oldSite?.auth != newSite?.auth || oldSite?.selfService != newSite?.selfService
            || oldSite?.allowedNetworkPassphrases != newSite?.allowedNetworkPassphrases
        {
            keys.append("federation.auth, federation.self_service, federation.allowed_network_passphrases")
        }
        switch (old.discovery.source, new.discovery.source) {
        case (.file(let a), .file(let b)) where a != b: keys.append("discovery.file")
        case (.aws(let a), .aws(let b)):
            if a.ec2Endpoint != b.ec2Endpoint || a.stsEndpoint != b.stsEndpoint || a.requestTimeout != b.requestTimeout {
                keys.append("discovery endpoints and request_timeout")
            }
            // The AWS session, with its rate limiter, is made once.
            if a.requestRate != b.requestRate || a.requestBurst != b.requestBurst {
                keys.append("discovery.request_rate, discovery.request_burst")
            }
            if a.refresh.snapshotPath != b.refresh.snapshotPath { keys.append("discovery.snapshot") }
            // The host key reader is set up once, beside the refresher.
            if a.hostKeys != b.hostKeys { keys.append("discovery.host_keys, discovery.host_key_rate") }
        case (.file, .aws), (.aws, .file): keys.append("discovery.source")
        default: break
        }
        return keys
    }
}
