import NIOCore

/// A connection's deadline on its event loop: `onExpiry` runs once the deadline passes, unless it moves first.
///
/// Moving the deadline later, which every request or message does, costs an assignment: the pending check stays
/// scheduled and, when it fires early, re-arms itself for the deadline as it is then. Only moving the deadline
/// earlier than the pending check replaces it. Used by the DNS TCP framing (idle and partial-message timeouts) and
/// the HTTPS connection clock. Not thread-safe: use it from its event loop only.
public final class DeadlineTimer {
    private let eventLoop: any EventLoop
    private let onExpiry: () -> Void
    private var deadline: NIODeadline?
    private var check: (task: Scheduled<Void>, at: NIODeadline)?

    public init(eventLoop: any EventLoop, onExpiry: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.onExpiry = onExpiry
    }

    /// The deadline now in force, if any.
    public var current: NIODeadline? { deadline }

    /// Expire at `deadline` (replacing any earlier setting).
    public func set(_ deadline: NIODeadline) {
        self.deadline = deadline
        if let check, check.at <= deadline { return }  // it will re-arm itself when it fires
        check?.task.cancel()
        schedule(at: deadline)
    }

    /// Expire `timeout` from now, by the event loop's clock.
    public func set(in timeout: TimeAmount) {
        set(eventLoop.now + timeout)
    }

    /// No deadline until `set` is called again. Call it when the connection goes away: the pending check holds
    /// `onExpiry`, and with it whatever that captured.
    public func cancel() {
        deadline = nil
        check?.task.cancel()
        check = nil
    }

    private func schedule(at when: NIODeadline) {
        let timer = NIOLoopBound(self, eventLoop: eventLoop)
        check = (eventLoop.scheduleTask(deadline: when) { timer.value.fire() }, when)
    }

    private func fire() {
        check = nil
        guard let deadline else { return }
        if eventLoop.now >= deadline {
            self.deadline = nil
            onExpiry()
        } else {
            schedule(at: deadline)
        }
    }
}
