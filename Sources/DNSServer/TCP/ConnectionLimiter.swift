import NIOCore
import Synchronization

/// Counts open TCP connections so that a flood cannot exhaust file descriptors.
final class ConnectionLimiter: Sendable {
    private let open = Atomic<Int>(0)

    /// The connections admitted and not yet closed.
    var count: Int { open.load(ordering: .relaxed) }

    func admit(_ channel: any Channel, limit: Int) -> Bool {
        let (_, now) = open.add(1, ordering: .relaxed)
        guard now <= limit else {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in
            open.subtract(1, ordering: .relaxed)
        }
        return true
    }
}
