/// Every failure of an AWS call: what was being done, where, and why, with advice for the person reading it.
public struct AWSClientError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable {
        /// AWS answered with an error.
        case service(AWSServiceError)
        /// No answer: timeout or connection failure.
        case transport(TransportError)
        /// No usable credentials.
        case credentials(CredentialError)
        /// The answer could not be read.
        case malformedResponse(String)
        /// A setting is wrong.
        case configuration(String)
    }

    public var reason: Reason
    /// `ec2:DescribeInstances`, `sts:AssumeRole`, or a description of the step (`instance metadata`).
    public var operation: String
    public var region: String?
    /// The endpoint called, when one was chosen.
    public var endpoint: String?
    /// How many times the request was sent.
    public var attempts: Int

    public init(
        _ reason: Reason, operation: String, region: String? = nil, endpoint: String? = nil, attempts: Int = 1
    ) {
        self.reason = reason
        self.operation = operation
        self.region = region
        self.endpoint = endpoint
        self.attempts = attempts
    }

    public var category: ErrorCategory {
        switch reason {
        case .service(let error): return error.category
        case .transport: return .transient
        case .credentials: return .credentials
        case .malformedResponse: return .malformedResponse
        case .configuration: return .configuration
        }
    }

    /// The AWS error code, when AWS sent one.
    public var code: String? {
        if case .service(let error) = reason { return error.code }
        return nil
    }

    public var description: String {
        if case .credentials = reason { return summary }
        return "\(summary). \(advice)"
    }

    /// What failed, where and why, without the advice.
    public var summary: String {
        var subject = operation
        if let region { subject += " in \(region)" }
        if let endpoint { subject += " (\(endpoint))" }
        let detail: String
        switch reason {
        case .service(let error): detail = error.description
        case .transport(let error): detail = error.description
        case .credentials(let error): return "\(subject): \(error.description)"
        case .malformedResponse(let problem): detail = "unreadable response: \(problem)"
        case .configuration(let problem): detail = problem
        }
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        return "\(subject) failed\(tries): \(detail)"
    }

    /// What to do next, by category.
    private var advice: String {
        switch category {
        case .throttling:
            return "AWS is rate-limiting this account; refresh less often or across fewer regions at once."
        case .serverError:
            return "AWS had an internal problem; it usually passes, so try again shortly."
        case .transient:
            return "Check the network path to the endpoint (proxy, firewall, VPC endpoint) and try again."
        case .auth:
            return "Check that the credentials are current and allowed to call \(operation) "
                + "(IAM policy, SCP, and whether the region is enabled for the account)."
        case .expiredCredentials:
            return "The temporary credentials have expired; renew them (e.g. `aws sso login`) and try again."
        case .clockSkew:
            return "This machine's clock is wrong; enable NTP (e.g. `timedatectl set-ntp true`)."
        case .credentials:
            return ""
        case .invalidRequest:
            return "The request was rejected as invalid; the message above says which parameter."
        case .malformedResponse:
            return "The endpoint did not answer like AWS; check the endpoint URL settings."
        case .configuration:
            return "Fix the setting and try again."
        }
    }
}
