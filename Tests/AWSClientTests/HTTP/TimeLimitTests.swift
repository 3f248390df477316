import Foundation
import Testing

@testable import AWSClient

/// Each AWS request has one time limit, body included: a response that drips (so no read timeout fires) must not
/// hold the caller past it, even when the operation is slow to notice it was cancelled.
@Suite("Request time limit")
struct TimeLimitTests {
    /// Waits without noticing cancellation and without holding a thread.
    static func uncancellableWait(seconds: Double) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { done.resume() }
        }
    }

    @Test("an operation that ignores cancellation does not hold the caller past the limit")
    func returnsAtTheLimit() async {
        let started = ContinuousClock.now
        await #expect(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.milliseconds(200)) {
                // A body dripping for 3 s that never checks for cancellation.
                await Self.uncancellableWait(seconds: 3)
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test("an operation within the limit returns its value, or its own error")
    func withinTheLimit() async throws {
        #expect(try await withTimeLimit(.seconds(5)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await withTimeLimit(.seconds(5)) { () async throws -> Int in throw Refused() } }
    }

    @Test("the caller's cancellation ends the wait at once")
    func callerCancelled() async {
        let started = ContinuousClock.now
        let task = Task {
            try await withTimeLimit(.seconds(30)) {
                await Self.uncancellableWait(seconds: 3)
                return 1
            }
        }
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
