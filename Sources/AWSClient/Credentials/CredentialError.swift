/// Why no credentials could be had, said so that the person reading it knows what to change.
public enum CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No source in the chain had credentials; every source tried, in order, with why it had none.
    case notFound(tried: [SourceReport])
    /// A source is set up but could not deliver: a half-set key pair, a failing `credential_process`, an STS
    /// refusal, a profile loop. The chain stops here rather than silently using some other identity.
    case failed(source: String, problem: String, fix: String, isTransient: Bool = false)

    public var description: String {
        switch self {
        case .notFound(let tried):
            let lines = tried.map { "  - \($0.source): \($0.outcome)" }.joined(separator: "\n")
            return """
                no AWS credentials found. Tried, in order:
                \(lines)
                To fix: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary \
                keys), or create a profile (`aws configure --profile NAME`) and select it with AWS_PROFILE or the \
                profile setting, or run on an EC2 instance or container that has an IAM role.
                """
        case .failed(let source, let problem, let fix, _):
            return "\(source): \(problem). \(fix)"
        }
    }

    /// Whether trying again later may help (IMDS or a container endpoint timing out, STS throttling).
    public var isTransient: Bool {
        if case .failed(_, _, _, let transient) = self { return transient }
        return false
    }
}

/// One source the chain looked at, and what it found there.
public struct SourceReport: Sendable, Hashable {
    public var source: String
    public var outcome: String

    public init(source: String, outcome: String) {
        self.source = source
        self.outcome = outcome
    }
}
