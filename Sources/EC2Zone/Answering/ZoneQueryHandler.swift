import Synchronization

/// Answers queries from whatever zone was published last. Publishing swaps one reference; a batch of queries in
/// flight keeps the zone it started with, so no query ever waits for discovery or sees half an update.
public final class ZoneQueryHandler: DNSQueryHandler {
    private let current: Mutex<CompiledZone>

    public init(zone: CompiledZone) {
        current = Mutex(zone)
    }

    public var zone: CompiledZone {
        current.withLock { $0 }
    }

    public func publish(_ zone: CompiledZone) {
        current.withLock { $0 = zone }
    }

    public func answerer() -> WireAnswerer {
        WireAnswerer(zone: zone)
    }
}
