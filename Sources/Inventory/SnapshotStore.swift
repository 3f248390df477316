import Synchronization

/// Holds the current snapshot and tells observers about every new one. Readers get an immutable value; a
/// publish replaces it whole, so nobody ever sees half a refresh.
public final class SnapshotStore: Sendable {
    private struct State {
        var snapshot: Snapshot
        var loaded: Bool
        var observers: [@Sendable (Snapshot) -> Void]
    }

    private let state: Mutex<State>
    /// Serialises publishers so observers see snapshots in the order they were published.
    private let publishing = Mutex<Void>(())

    public init(initial: Snapshot = .empty, loaded: Bool = false) {
        state = Mutex(State(snapshot: initial, loaded: loaded, observers: []))
    }

    public var current: Snapshot { state.withLock { $0.snapshot } }

    /// True once any inventory (the persisted cache, a file, or a first refresh) has been published.
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// Publishes `snapshot`. Its serial is kept when the instances are unchanged and raised otherwise, unless
    /// `keepingSerial` (used for a persisted snapshot that already carries the serial it was served with).
    @discardableResult
    public func publish(_ snapshot: Snapshot, keepingSerial: Bool = false) -> Snapshot {
        publishing.withLock { _ in
            let (published, observers) = state.withLock { state in
                var next = snapshot
                if !keepingSerial {
                    next.serial =
                        state.loaded && state.snapshot.hasSameInstances(as: snapshot)
                        ? state.snapshot.serial : Snapshot.nextSerial(after: state.snapshot.serial)
                }
                state.snapshot = next
                state.loaded = true
                return (next, state.observers)
            }
            for observer in observers { observer(published) }
            return published
        }
    }

    /// Calls `observer` with every snapshot published from now on.
    public func observe(_ observer: @escaping @Sendable (Snapshot) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }
}
