import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs one piece of work on a thread of its own while the caller does another: how a large inventory is read and
/// its zone compiled on two cores at once.
///
/// The thread is new for each call and takes the caller's scheduling policy and nice value, so work split from the
/// idle-priority background thread stays idle (a shared pool thread could not be lowered and raised again). It
/// costs tens of microseconds: split only work of milliseconds or more.
public enum SecondThread {
    /// Runs `second` on a new thread and `first` on this one; returns both results once both are done.
    ///
    /// `second` may read what the caller owns (an unsafe buffer the caller keeps alive): this call does not return
    /// before it ends.
    public static func run<First, Second, Failure: Error>(
        _ first: () throws(Failure) -> First, alongside second: @escaping () -> Second
    ) throws(Failure) -> (First, Second) {
        let work = Work(second)
        let policy = Policy.current()
        let thread = Thread { [work] in
            policy.apply()
            work.run()
        }
        // The JSON reader recurses per nesting level, as it does on any thread.
        thread.stackSize = 8 << 20
        thread.start()
        let firstResult: First
        do {
            firstResult = try first()
        } catch {
            _ = work.wait()
            throw error
        }
        return (firstResult, work.wait())
    }

    /// CPU time all second threads have used so far, in nanoseconds (read with `ThreadCPUTime.nowWithSecondThreads`).
    private static let cpuNanoseconds = Atomic<Int64>(0)

    static var cpuTimeUsed: Duration { .nanoseconds(cpuNanoseconds.load(ordering: .relaxed)) }

    private static func recordCPUTime(_ time: Duration) {
        let (seconds, attoseconds) = time.components
        cpuNanoseconds.add(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .relaxed)
    }

    /// The closure, its result and the signal that it is there, shared with the thread.
    private final class Work<Result>: @unchecked Sendable {
        private let body: () -> Result
        private var result: Result?
        private let done = DispatchSemaphore(value: 0)

        init(_ body: @escaping () -> Result) {
            self.body = body
        }

        func run() {
            let started = ThreadCPUTime.now()
            result = body()
            SecondThread.recordCPUTime(ThreadCPUTime.now() - started)
            done.signal()
        }

        /// The result, once `run` has stored it (the semaphore orders the write before this read).
        func wait() -> Result {
            done.wait()
            return result!
        }
    }

    /// The calling thread's scheduling policy and nice value (on Linux both are per thread).
    private struct Policy: Sendable {
        #if canImport(Glibc)
        var policy: Int32
        var nice: Int32
        #endif

        static func current() -> Policy {
            #if canImport(Glibc)
            errno = 0
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            return Policy(policy: sched_getscheduler(0), nice: errno == 0 ? nice : 0)
            #else
            return Policy()
            #endif
        }

        /// Gives the calling (new) thread this policy; best effort, as the caller's was granted to it.
        func apply() {
            #if canImport(Glibc)
            if policy != Int32(SCHED_OTHER), policy >= 0 {
                var parameters = sched_param()
                _ = sched_setscheduler(0, policy, &parameters)
            }
            if nice != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
            #endif
        }
    }
}

/// A value handed to a `SecondThread` that is safe to use there although its type does not say so: memory the
/// caller keeps valid until the thread is done (a reader's bytes), or a part of a buffer only that thread writes.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}
