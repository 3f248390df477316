import NIOCore

/// Settings of the AWS client that a caller (the config file) may want to change. The defaults match the AWS
/// CLI's behaviour where it has one.
public struct AWSClientConfiguration: Sendable {
    /// Explicit endpoints (`[.ec2: "http://127.0.0.1:5000"]`); they beat `AWS_ENDPOINT_URL_*` and `AWS_ENDPOINT_URL`.
    public var endpointOverrides: [AWSService: String]
    /// The limit for one EC2 or STS request, connect to last byte. A 1,000-instance page is a few megabytes.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// HTTP connections kept open per host (AWS has one host per service and region); more requests queue.
    public var connectionsPerHost: Int
    public var retry: RetryPolicy
    /// The client-side request buckets per account, region and action (EC2's documented sizes by default).
    public var requestLimits: RequestLimits
    /// Told about every throttling answer from AWS (after the limiter slowed that key down): for metrics.
    public var throttleObserver: (@Sendable (ThrottleEvent) -> Void)?
    /// Per request to the instance metadata service. Nil: `AWS_METADATA_SERVICE_TIMEOUT`, else 1 s (botocore's
    /// default), short because on a laptop nothing answers there.
    public var instanceMetadataTimeout: Duration?
    /// Per request to the container credentials endpoint (botocore: 2 s, 3 attempts).
    public var containerCredentialsTimeout: Duration
    /// How long a `credential_process` may run before it is killed.
    public var credentialProcessTimeout: Duration
    /// Temporary credentials are refreshed this long before they expire.
    public var credentialRefreshMargin: Duration
    /// Larger responses are refused rather than buffered.
    public var maximumResponseBytes: Int
    public var userAgent: String
    /// The `RoleSessionName` for role profiles without `role_session_name` (shows up in CloudTrail).
    public var roleSessionName: String
    /// The event loops the HTTP client's sockets run on; nil: AsyncHTTPClient's shared ones. `fedns serve` passes
    /// its low-priority background thread, so reading a large response never competes with DNS.
    public var eventLoopGroup: (any EventLoopGroup)?

    public init(
        endpointOverrides: [AWSService: String] = [:], requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(5), connectionsPerHost: Int = 8, retry: RetryPolicy = .standard,
        requestLimits: RequestLimits = RequestLimits(), throttleObserver: (@Sendable (ThrottleEvent) -> Void)? = nil,
        instanceMetadataTimeout: Duration? = nil, containerCredentialsTimeout: Duration = .seconds(2),
        credentialProcessTimeout: Duration = .seconds(60), credentialRefreshMargin: Duration = .seconds(300),
        maximumResponseBytes: Int = 64 << 20, userAgent: String = "fedns-awsclient/1.0",
        roleSessionName: String = "fedns", eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.endpointOverrides = endpointOverrides
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.connectionsPerHost = connectionsPerHost
        self.retry = retry
        self.requestLimits = requestLimits
        self.throttleObserver = throttleObserver
        self.instanceMetadataTimeout = instanceMetadataTimeout
        self.containerCredentialsTimeout = containerCredentialsTimeout
        self.credentialProcessTimeout = credentialProcessTimeout
        self.credentialRefreshMargin = credentialRefreshMargin
        self.maximumResponseBytes = maximumResponseBytes
        self.userAgent = userAgent
        self.roleSessionName = roleSessionName
        self.eventLoopGroup = eventLoopGroup
    }
}
