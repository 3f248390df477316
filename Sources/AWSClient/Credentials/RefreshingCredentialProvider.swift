import Foundation
import Logging

/// Caches the credentials a loader returns and loads new ones shortly before they expire.
///
/// Long-term keys (no expiry) are loaded once. Temporary ones are refreshed `refreshMargin` before `expiration`.
/// However many tasks ask during a refresh, the loader runs once and they all get its result. If a refresh fails
/// while the cached credentials have not yet expired, those are still handed out (and the failure logged):
/// an STS hiccup should not take discovery down for the minutes the old credentials remain good.
public actor RefreshingCredentialProvider: CredentialProvider {
    public typealias Loader = @Sendable () async throws(CredentialError) -> AWSCredentials

    private let load: Loader
    private let refreshMargin: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger?
    private var cached: AWSCredentials?
    private var refresh: Task<Result<AWSCredentials, CredentialError>, Never>?

    public init(
        refreshMargin: Duration = .seconds(300), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger? = nil, load: @escaping Loader
    ) {
        self.load = load
        self.refreshMargin = refreshMargin
        self.now = now
        self.logger = logger
    }

    public func credentials() async throws(CredentialError) -> AWSCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        let task = refresh ?? startRefresh()
        let result = await task.value
        if refresh == task {
            refresh = nil
            if case .success(let fresh) = result { cached = fresh }
        }
        switch result {
        case .success(let fresh):
            return fresh
        case .failure(let error):
            if let cached, let expiration = cached.expiration, expiration > now() {
                logger?.warning(
                    "refreshing AWS credentials failed; using the current ones until they expire",
                    metadata: ["expires": "\(ISO8601Text(expiration))", "error": "\(error)"])
                return cached
            }
            throw error
        }
    }

    public func invalidate() {
        cached = nil
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(now()) <= Double(refreshMargin.nanoseconds) / 1e9
    }

    private func startRefresh() -> Task<Result<AWSCredentials, CredentialError>, Never> {
        let load = load
        let task = Task { () -> Result<AWSCredentials, CredentialError> in
            do throws(CredentialError) {
                return .success(try await load())
            } catch {
                return .failure(error)
            }
        }
        refresh = task
        return task
    }
}

private func ISO8601Text(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle())
}
