import AWSDiscovery
import EC2Zone
import Inventory
import NIOCore

/// Where the inventory comes from: `[discovery] source`.
public enum InventorySource: Sendable, Hashable {
    /// A JSON inventory in the snapshot format, re-read when it changes.
    case file(path: String)
    /// EC2 DescribeInstances across regions and profiles, refreshed in the background.
    case aws(DiscoveryOptions)

    /// The persisted snapshot, when there is one (the AWS source's cache).
    public var snapshotPath: String? {
        if case .aws(let aws) = self { return aws.refresh.snapshotPath }
        return nil
    }

    /// How old a persisted snapshot may be before the commands ask AWS instead.
    public var refreshInterval: Duration {
        if case .aws(let aws) = self { return aws.refresh.interval }
        return .seconds(60)
    }
}

/// What `InventoryLookup` needs to know: the source, where a running server's control endpoint would listen, and
/// the zone's rules (for the naming problems a document lists).
public struct InventoryLookupOptions: Sendable {
    public var source: InventorySource
    /// nil when the configuration turns the control endpoint off: no server is asked.
    public var controlAddress: SocketAddress?
    public var zone: ZoneOptions

    public init(source: InventorySource, controlAddress: SocketAddress?, zone: ZoneOptions) {
        self.source = source
        self.controlAddress = controlAddress
        self.zone = zone
    }
}
