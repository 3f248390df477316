import Foundation
import Synchronization
import Testing

@testable import AWSClient

@Suite("Credential caching and refresh")
struct RefreshingCredentialProviderTests {
    /// A loader that counts its calls and hands out credentials expiring at a chosen time.
    final class Loader: Sendable {
        private let state = Mutex<(calls: Int, fail: Bool)>((0, false))
        let expiresIn: TimeInterval?
        let delay: Duration
        let clock: TestClock

        init(expiresIn: TimeInterval?, delay: Duration = .zero, clock: TestClock) {
            self.expiresIn = expiresIn
            self.delay = delay
            self.clock = clock
        }

        var calls: Int { state.withLock { $0.calls } }
        func failFromNowOn() { state.withLock { $0.fail = true } }

        func load() async throws(CredentialError) -> AWSCredentials {
            let (number, fail) = state.withLock { state in
                state.calls += 1
                return (state.calls, state.fail)
            }
            if delay > .zero { try? await Task.sleep(for: delay) }
            if fail { throw CredentialError.failed(source: "test", problem: "refresh failed", fix: "none") }
            return AWSCredentials(
                accessKeyID: "ASIA\(number)", secretAccessKey: "s",
                expiration: expiresIn.map { clock.now.addingTimeInterval($0) })
        }
    }

    /// A clock the test moves by hand.
    final class TestClock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// A provider over a fresh loader and clock, with the 5-minute margin.
    private func makeProvider(expiresIn: TimeInterval?, delay: Duration = .zero)
        -> (RefreshingCredentialProvider, Loader, TestClock)
    {
        let clock = TestClock()
        let loader = Loader(expiresIn: expiresIn, delay: delay, clock: clock)
        let provider = RefreshingCredentialProvider(refreshMargin: .seconds(300), now: { clock.now }) {
            () async throws(CredentialError) -> AWSCredentials in try await loader.load()
        }
        return (provider, loader, clock)
    }

    @Test("long-term keys are loaded once")
    func longTerm() async throws {
        let (provider, loader, clock) = makeProvider(expiresIn: nil)
        for _ in 0..<5 { _ = try await provider.credentials() }
        clock.advance(86_400 * 365)
        _ = try await provider.credentials()
        #expect(loader.calls == 1)
    }

    @Test("temporary credentials are reused until five minutes before they expire, then refreshed")
    func refreshWindow() async throws {
        let (provider, loader, clock) = makeProvider(expiresIn: 3_600)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        clock.advance(3_600 - 301)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        clock.advance(2)
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
        #expect(loader.calls == 2)
    }

    @Test("concurrent callers during a refresh share one load")
    func singleFlight() async throws {
        let (provider, loader, _) = makeProvider(expiresIn: 3_600, delay: .milliseconds(100))
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials().accessKeyID } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys == ["ASIA1"])
        #expect(loader.calls == 1)
    }

    @Test("a failed refresh keeps serving credentials that have not expired yet, and fails once they have")
    func failedRefresh() async throws {
        let (provider, loader, clock) = makeProvider(expiresIn: 3_600)
        _ = try await provider.credentials()
        loader.failFromNowOn()
        clock.advance(3_500)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        clock.advance(200)
        await #expect(throws: CredentialError.self) { try await provider.credentials() }
    }

    @Test("invalidate forces the next call to load")
    func invalidate() async throws {
        let (provider, _, _) = makeProvider(expiresIn: nil)
        _ = try await provider.credentials()
        await provider.invalidate()
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
    }

    @Test("credentials never print their secret or token")
    func redaction() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLEKEY123456", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "FQoGZXIvYXdzEBYaD")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials), dumped] {
            #expect(!text.contains("wJalrXUtnFEMI"))
            #expect(!text.contains("FQoGZXIvYXdzEBYaD"))
            #expect(!text.contains("EXAMPLEKEY12"))
        }
        #expect(credentials.description.contains("ASIA…3456"))
    }
}
