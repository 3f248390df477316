/// Something that hands out AWS credentials: a fixed key pair, the default chain, a profile, an assumed role.
public protocol CredentialProvider: Sendable {
    /// Current credentials, fetched or refreshed as needed.
    func credentials() async throws(CredentialError) -> AWSCredentials
    /// Forgets cached credentials so that the next call fetches new ones: AWS said `ExpiredToken`.
    func invalidate() async
}

/// A key pair given directly, e.g. by a test or a command-line flag.
public struct StaticCredentialProvider: CredentialProvider {
    public var value: AWSCredentials

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func credentials() async throws(CredentialError) -> AWSCredentials { value }
    public func invalidate() async {}
}

/// One place in a chain that credentials may come from.
protocol CredentialSource: Sendable {
    /// How messages name it: `environment variables`, `profile "dev"`, `EC2 instance metadata`.
    var name: String { get }
    /// The credentials, or why this source is not set up here. Throws when it is set up but fails.
    func load() async throws(CredentialError) -> CredentialLookup
}

enum CredentialLookup: Sendable {
    case found(AWSCredentials)
    /// The source is not set up here, and why not ("AWS_ACCESS_KEY_ID is not set").
    case absent(String)
}
