import Foundation
import Synchronization
import Testing

@testable import AWSClient

/// Each AWS request has one time limit, body included: a response that drips (so no read timeout fires) must not
/// hold the caller past it, even when the operation is slow to notice it was cancelled.
///
/// The checks are on order, not on the clock: the caller must get its answer while the operation is still running
/// (a minute, on a timer that holds no thread). A bound on elapsed time failed when the whole suite ran on a busy
/// machine, where other suites' CPU-bound tests held the cooperative threads for tens of seconds.
@Suite("Request time limit")
struct TimeLimitTests {
    /// An operation that runs for a minute without noticing cancellation and without holding a thread; `ended` is
    /// set when it finishes.
    final class Uncancellable: Sendable {
        private let flag = Atomic(false)
        var ended: Bool { flag.load(ordering: .sequentiallyConsistent) }

        func run() async -> Int {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + 60) { done.resume() }
            }
            flag.store(true, ordering: .sequentiallyConsistent)
            return 1
        }
    }

    @Test("an operation that ignores cancellation does not hold the caller past the limit")
    func returnsAtTheLimit() async {
        let operation = Uncancellable()
        await #expect(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.milliseconds(200)) { await operation.run() }
        }
        #expect(!operation.ended, "the caller waited for the operation")
    }

    @Test("an operation within the limit returns its value, or its own error")
    func withinTheLimit() async throws {
        #expect(try await withTimeLimit(.seconds(5)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await withTimeLimit(.seconds(5)) { () async throws -> Int in throw Refused() } }
    }

    @Test("the caller's cancellation ends the wait at once")
    func callerCancelled() async {
        let operation = Uncancellable()
        let task = Task {
            try await withTimeLimit(.seconds(300)) { await operation.run() }
        }
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!operation.ended, "the caller waited for the operation")
    }
}
