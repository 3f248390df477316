import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One thread for work that must never take CPU time from a query: inventory refreshes (reading AWS's HTTP
/// responses, parsing their XML, building the snapshot, compiling the zone, writing the snapshot file).
///
/// It is both an event loop, for the AWS HTTP client's sockets, and a Swift `TaskExecutor`, for the tasks that
/// parse and build: run a task with `withTaskExecutorPreference(thread)` and its child tasks and default actors
/// run here too. On Linux the thread asks the kernel for `SCHED_IDLE`, so it runs only when no normal thread
/// wants the CPU: a refresh of 10,000 instances then fills the gaps between DNS and HTTPS work instead of
/// delaying it. (`SCHED_IDLE` is a very low weight, not a ban, so a saturated server still refreshes, slowly.)
/// A thread of Swift's shared pool cannot be used for this: lowering a thread's priority cannot be undone without
/// privileges, so the pool would keep a crippled thread.
public final class BackgroundThread: TaskExecutor {
    /// The event loop group of the one thread, for clients whose I/O belongs to background work.
    public let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    /// What the kernel granted, for the start-up log.
    public let priority: Priority
    #if canImport(Glibc)
    /// The thread, for changing its policy from another one (its own jobs may be starved of CPU by then).
    private let thread: pthread_t?
    #endif

    public enum Priority: String, Sendable {
        /// `SCHED_IDLE`: runs only when the CPU is otherwise idle.
        case idle = "SCHED_IDLE"
        /// `SCHED_IDLE` was refused (a restrictive seccomp profile); nice 19 instead.
        case lowest = "nice 19"
        /// Neither was possible (not Linux): an ordinary thread.
        case normal
    }

    /// Starts the thread and lowers its priority.
    public init() async {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        #if canImport(Glibc)
        let granted = try? await loop.submit { (Self.lowerCurrentThreadPriority(), pthread_self()) }.get()
        priority = granted?.0 ?? .normal
        thread = granted?.1
        #else
        priority = (try? await loop.submit { Self.lowerCurrentThreadPriority() }.get()) ?? .normal
        #endif
    }

    /// Gives the thread the ordinary policy again, called from any other thread when the server begins to stop.
    /// Under `SCHED_IDLE` the work left on it (abandoning a refresh, writing the last snapshot, closing AWS
    /// connections) waits for CPU time that every other process leaves, which on a machine kept busy took the stop
    /// past 30 s; by then no query needs protecting. Leaving `SCHED_IDLE` is allowed to root, with CAP_SYS_NICE,
    /// or when RLIMIT_NICE permits nice 0 (systemd `LimitNICE=+0`); otherwise the thread keeps its priority (false).
    @discardableResult
    public func restoreNormalPriority() -> Bool {
        #if canImport(Glibc)
        guard priority == .idle, let thread else { return priority == .normal }
        var parameters = sched_param()
        return pthread_setschedparam(thread, Int32(SCHED_OTHER), &parameters) == 0
        #else
        return true
        #endif
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Call after the last task that prefers this executor has finished.
    public func shutdown() async throws {
        try await group.shutdownGracefully()
    }

    /// The scheduling policy of the calling thread is `SCHED_IDLE` (for tests and diagnostics).
    public static var currentThreadIsIdlePriority: Bool {
        #if canImport(Glibc)
        return sched_getscheduler(0) == schedIdle
        #else
        return false
        #endif
    }

    #if canImport(Glibc)
    /// `SCHED_IDLE` from <sched.h>, which the Glibc module does not export (it sits behind `_GNU_SOURCE`).
    private static let schedIdle: Int32 = 5
    #endif

    /// On Linux both calls take 0 to mean the calling thread, not the whole process.
    private static func lowerCurrentThreadPriority() -> Priority {
        #if canImport(Glibc)
        var parameters = sched_param()
        if sched_setscheduler(0, schedIdle, &parameters) == 0 { return .idle }
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) == 0 { return .lowest }
        #endif
        return .normal
    }
}
