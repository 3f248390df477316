import Synchronization

/// Holds the current snapshot and tells observers about every new one. Readers get an immutable value; a
/// publish replaces it whole, so nobody ever sees half a refresh.
///
/// Host keys, once learnt, stay with their instance: DescribeInstances never returns them, so a published instance
/// without keys takes those of the same instance id in the snapshot it replaces (or in `rememberHostKeys`).
public final class SnapshotStore: Sendable {
    private struct State {
        var snapshot: Snapshot
        var loaded: Bool
        var observers: [@Sendable (Snapshot) -> Void]
        /// Keys known from elsewhere (a snapshot file not published here), by instance id.
        var rememberedKeys: [String: [HostKey]] = [:]
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
        publishing.withLock { _ in publishLocked(snapshot, keepingSerial: keepingSerial) }
    }

    /// Publishes what `transform` makes of the current snapshot, with no other publish in between (for changes
    /// made beside the refresher, such as newly read host keys); nil leaves everything as it is.
    @discardableResult
    public func update(_ transform: (Snapshot) -> Snapshot?) -> Snapshot? {
        publishing.withLock { _ in
            guard let next = transform(current) else { return nil }
            return publishLocked(next, keepingSerial: false)
        }
    }

    /// Host keys to carry over to instances published later (those of a persisted snapshot that a one-off read,
    /// such as a companion command's, does not publish).
    public func rememberHostKeys(of instances: [Instance]) {
        state.withLock { state in
            for instance in instances where !instance.hostKeys.isEmpty { state.rememberedKeys[instance.id] = instance.hostKeys }
        }
    }

    private func publishLocked(_ snapshot: Snapshot, keepingSerial: Bool) -> Snapshot {
        let (published, observers) = state.withLock { state in
            var next = snapshot
            Self.carryHostKeys(into: &next, from: state.snapshot, remembered: state.rememberedKeys)
            let unchanged = state.loaded && state.snapshot.hasSameInstances(as: next)
            // Most refreshes find the fleet as it was: keeping the instances already held (and shared with the
            // zone compiled from them) lets the refresh's own copy go, instead of holding two at once.
            if unchanged {
                next.instances = state.snapshot.instances
            } else if state.loaded {
                next.instances.reuseUnchanged(from: state.snapshot.instances)
            }
            if !keepingSerial {
                next.serial = unchanged ? state.snapshot.serial : Snapshot.nextSerial(after: state.snapshot.serial)
            }
            state.snapshot = next
            state.loaded = true
            return (next, state.observers)
        }
        for observer in observers { observer(published) }
        return published
    }

    /// Gives instances without host keys the keys their id had before. Only instances that had keys are indexed,
    /// so a fleet whose keys are unknown costs one pass.
    private static func carryHostKeys(into next: inout Snapshot, from previous: Snapshot, remembered: [String: [HostKey]]) {
        var known = remembered
        for instance in previous.instances where !instance.hostKeys.isEmpty { known[instance.id] = instance.hostKeys }
        guard !known.isEmpty else { return }
        for index in next.instances.indices where next.instances[index].hostKeys.isEmpty {
            if let keys = known[next.instances[index].id] { next.instances[index].hostKeys = keys }
        }
    }

    /// Calls `observer` with every snapshot published from now on.
    public func observe(_ observer: @escaping @Sendable (Snapshot) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }
}
