import Synchronization

/// Answers queries from whatever zone was published last. Publishing swaps one reference; a batch of queries in
/// flight keeps the zone it started with, so no query ever waits for discovery or sees half an update.
public final class ZoneQueryHandler: DNSQueryHandler {
    private let current: Mutex<CompiledZone>
    /// Zone transfers and TSIG, when configured.
    public let transfers: (any TransferResponder)?

    public init(zone: CompiledZone, transfers: (any TransferResponder)? = nil) {
        current = Mutex(zone)
        self.transfers = transfers
    }

    public var zone: CompiledZone {
        current.withLock { $0 }
    }

    public func publish(_ zone: CompiledZone) {
        current.withLock { $0 = zone }
    }

    public func answerer() -> WireAnswerer {
        WireAnswerer(zone: zone, transfers: transfers)
    }
}
