import Synchronization

/// Answers queries from whatever zone was published last. Publishing swaps one reference; a batch of queries in
/// flight keeps the zone it started with, so no query ever waits for discovery or sees half an update.
public final class ZoneQueryHandler: DNSQueryHandler {
    private struct State {
        var zone: CompiledZone
        var features: EDNSFeatures
    }

    private let current: Mutex<State>
    /// Zone transfers and TSIG, when configured.
    public let transfers: (any TransferResponder)?

    public init(zone: CompiledZone, transfers: (any TransferResponder)? = nil, features: EDNSFeatures = .none) {
        current = Mutex(State(zone: zone, features: features))
        self.transfers = transfers
    }

    public var zone: CompiledZone {
        current.withLock { $0.zone }
    }

    public var features: EDNSFeatures {
        current.withLock { $0.features }
    }

    public func publish(_ zone: CompiledZone) {
        current.withLock { $0.zone = zone }
    }

    /// New cookie secrets or NSID (a configuration reload); queries already in a batch finish with the old ones.
    public func configure(_ features: EDNSFeatures) {
        current.withLock { $0.features = features }
    }

    public func answerer() -> WireAnswerer {
        let state = current.withLock { $0 }
        return WireAnswerer(zone: state.zone, transfers: transfers, features: state.features)
    }
}
