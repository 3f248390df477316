import FednsSupport
import Foundation
import Testing

@Suite("Background thread priority")
struct BackgroundThreadTests {
    /// CAP_SYS_NICE (capability 23) in this process's effective set, read from the kernel: the one condition under
    /// which leaving SCHED_IDLE must succeed whatever RLIMIT_NICE says.
    static var hasSysNice: Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << 23) != 0
    }

    @Test("at shutdown the thread leaves SCHED_IDLE, changed from another thread, and its jobs then run at the ordinary policy")
    func restoresNormalPriority() async throws {
        #if os(Linux)
        let background = await BackgroundThread()
        #expect(background.priority == .idle)
        #expect(await withTaskExecutorPreference(background) { BackgroundThread.currentThreadIsIdlePriority })
        let restored = background.restoreNormalPriority()
        if Self.hasSysNice { #expect(restored) }
        let idleAfter = await withTaskExecutorPreference(background) { BackgroundThread.currentThreadIsIdlePriority }
        #expect(idleAfter == !restored)
        #expect(!BackgroundThread.currentThreadIsIdlePriority)  // the caller's own thread was not the one changed
        try await background.shutdown()
        #endif
    }
}
