import Synchronization

/// Tries credential sources in order and sticks with the first that has credentials, as the AWS CLI does.
///
/// The winning source is remembered, so refreshes ask it again rather than walking the chain (which would
/// probe the metadata service on every refresh of a laptop's profile). If it later reports that it has nothing
/// (the environment changed, the profile was removed), the chain is walked again from the top.
final class CredentialChain: Sendable {
    let sources: [any CredentialSource]
    private let chosen = Mutex<Int?>(nil)

    init(sources: [any CredentialSource]) {
        self.sources = sources
    }

    func load() async throws(CredentialError) -> AWSCredentials {
        if let index = chosen.withLock({ $0 }) {
            if case .found(let credentials) = try await sources[index].load() { return credentials }
            chosen.withLock { $0 = nil }
        }
        var tried: [SourceReport] = []
        for (index, source) in sources.enumerated() {
            switch try await source.load() {
            case .found(let credentials):
                chosen.withLock { $0 = index }
                return credentials
            case .absent(let reason):
                tried.append(SourceReport(source: source.name, outcome: reason))
            }
        }
        throw CredentialError.notFound(tried: tried)
    }

    /// The name of the source in use, once one has delivered (for logs: "using credentials from profile dev").
    var chosenSourceName: String? {
        chosen.withLock { $0 }.map { sources[$0].name }
    }
}
