#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CPU time the calling thread has used: what a step costs, whatever else the machine is doing (the wall clock
/// also counts the time other processes had the CPU).
public enum ThreadCPUTime {
    public static func now() -> Duration {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return .zero }
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    /// The calling thread's CPU time plus all that `SecondThread`s have used: the cost of a step that hands half of
    /// its work to one (reading a large inventory, compiling its zone), when such steps do not overlap.
    public static func nowWithSecondThreads() -> Duration {
        now() + SecondThread.cpuTimeUsed
    }
}
