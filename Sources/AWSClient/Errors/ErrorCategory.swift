/// What kind of failure an error is, which decides whether a retry can help and what a person should do.
public enum ErrorCategory: String, Sendable, Hashable {
    /// AWS is rate-limiting the account (`RequestLimitExceeded`, `Throttling`, HTTP 429). Retried with backoff.
    case throttling
    /// AWS failed on its side (HTTP 500, 502, 503, 504 without a more specific code). Retried with backoff.
    case serverError
    /// The request never got an answer: timeout, refused or dropped connection, or a transient code such as
    /// `RequestTimeout`. Retried with backoff.
    case transient
    /// The credentials were rejected or lack permission (`AuthFailure`, `AccessDenied`, `OptInRequired`, ...).
    /// Never retried: the same request would fail the same way.
    case auth
    /// The temporary credentials have expired (`ExpiredToken`). Retried once after fetching new credentials.
    case expiredCredentials
    /// The local clock is too far from AWS's (`RequestTimeTooSkewed`). Retried once with the clock corrected.
    case clockSkew
    /// No credentials could be found or fetched.
    case credentials
    /// Any other error AWS reported about the request itself (`InvalidParameterValue`, ...). Not retried.
    case invalidRequest
    /// The response could not be understood (not XML, truncated, missing a required element).
    case malformedResponse
    /// A setting is wrong (an endpoint URL that is not a URL, a bad proxy variable).
    case configuration

    /// Whether repeating the same request may succeed.
    public var isRetryable: Bool {
        switch self {
        case .throttling, .serverError, .transient: return true
        default: return false
        }
    }
}

/// AWS error codes sorted into categories, as the SDKs' "standard" retry mode sorts them.
enum ErrorCodes {
    static let throttling: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "EC2ThrottledException",
    ]
    static let transient: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    static let auth: Set<String> = [
        "AuthFailure", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied",
        "AccessDeniedException", "OptInRequired", "UnrecognizedClientException", "InvalidAccessKeyId",
        "MissingAuthenticationToken", "IncompleteSignature", "Blocked",
    ]
    static let expiredCredentials: Set<String> = ["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"]
    /// EC2 says `RequestExpired` when the timestamp is more than five minutes off; other services say
    /// `RequestTimeTooSkewed` or `RequestInTheFuture`.
    static let clockSkew: Set<String> = ["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"]

    static func category(code: String?, httpStatus: Int) -> ErrorCategory {
        if let code {
            if throttling.contains(code) { return .throttling }
            if transient.contains(code) { return .transient }
            if auth.contains(code) { return .auth }
            if expiredCredentials.contains(code) { return .expiredCredentials }
            if clockSkew.contains(code) { return .clockSkew }
        }
        switch httpStatus {
        case 429: return .throttling
        case 500, 502, 503, 504: return .serverError
        case 401, 403: return .auth
        default: return .invalidRequest
        }
    }
}
