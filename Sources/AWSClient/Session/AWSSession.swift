import Logging

/// The entry point: one HTTP client, the environment and settings, and factories for credential providers and
/// service clients. Create one per process, share it, and call `shutdown()` once at the end.
///
/// ```swift
/// let session = try AWSSession()
/// let credentials = session.credentialProvider(profile: nil)   // the default chain
/// let ec2 = session.ec2(credentials: credentials)
/// let reservations = try await ec2.describeInstances(region: "eu-west-1", filters: [.instanceStates(["running"])])
/// try await session.shutdown()
/// ```
public final class AWSSession: Sendable {
    let context: AWSContext

    /// - Parameters:
    ///   - environment: The variables to read (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, ...); tests pass their own.
    /// - Throws: when `HTTPS_PROXY` is set but unusable.
    public init(
        configuration: AWSClientConfiguration = AWSClientConfiguration(), environment: AWSEnvironment = .process,
        logger: Logger = Logger(label: "fedns.aws")
    ) throws(AWSClientError) {
        let transport = HTTPTransport(
            connectTimeout: configuration.connectTimeout, proxy: try ProxySettings.from(environment),
            maximumResponseBytes: configuration.maximumResponseBytes, userAgent: configuration.userAgent,
            eventLoopGroup: configuration.eventLoopGroup, connectionsPerHost: configuration.connectionsPerHost)
        context = AWSContext(
            configuration: configuration, environment: environment, transport: transport, clock: ClockCorrection(),
            logger: logger, limiter: RequestRateLimiter(limits: configuration.requestLimits, logger: logger))
    }

    /// The credentials for a profile, or for the default chain when `profile` is nil.
    ///
    /// Default chain, in the AWS CLI's order: environment variables; a web identity token
    /// (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`); the profile named by `AWS_DEFAULT_PROFILE` or `AWS_PROFILE`
    /// (else `default`); the container credentials endpoint; the EC2 instance metadata service.
    /// With an explicit profile the environment variables are skipped, as botocore does for `--profile`.
    /// The provider caches and refreshes; keep one per identity rather than making one per call.
    public func credentialProvider(profile: String? = nil) -> any CredentialProvider {
        var sources: [any CredentialSource] = []
        if let profile {
            sources.append(ProfileCredentials(profile: profile, isExplicit: true, context: context))
        } else {
            let environment = context.environment
            let selected = environment.first("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
            if let selected, environment["AWS_ACCESS_KEY_ID"] != nil {
                context.logger.warning(
                    "both AWS_ACCESS_KEY_ID and \(selected.name) are set; the keys in the environment win, as in the AWS CLI",
                    metadata: ["profile": "\(selected.value)"])
            }
            sources.append(EnvironmentCredentials(environment: environment))
            sources.append(EnvironmentWebIdentityCredentials(context: context))
            sources.append(
                ProfileCredentials(profile: selected?.value ?? "default", isExplicit: selected != nil, context: context))
        }
        sources.append(ContainerCredentials(context: context))
        sources.append(InstanceMetadataCredentials(client: InstanceMetadataClient(context: context)))
        let chain = CredentialChain(sources: sources)
        let logger = context.logger
        return RefreshingCredentialProvider(
            refreshMargin: context.configuration.credentialRefreshMargin, logger: logger,
            load: { () async throws(CredentialError) -> AWSCredentials in
                let credentials = try await chain.load()
                // Which identity is in use is the first question when discovery sees the wrong account.
                logger.info(
                    "loaded AWS credentials",
                    metadata: [
                        "source": "\(chain.chosenSourceName ?? "unknown")",
                        "access_key": "\(Redaction.accessKey(credentials.accessKeyID))",
                        "expires": "\(credentials.expiration.map { "\($0)" } ?? "never")",
                    ])
                return credentials
            })
    }

    /// Credentials of a role assumed with `source`'s credentials, refreshed before they expire; for fanning out
    /// over accounts (`arn:aws:iam::<account>:role/<name>`).
    public func assumeRoleProvider(
        _ request: AssumeRoleRequest, region: String?, source: any CredentialProvider
    ) -> any CredentialProvider {
        let context = context
        return RefreshingCredentialProvider(
            refreshMargin: context.configuration.credentialRefreshMargin, logger: context.logger,
            load: { () async throws(CredentialError) -> AWSCredentials in
                try await AssumeRoleCredentials.fetch(
                    request, region: region, source: source, context: context,
                    describedAs: "role \(request.roleARN)")
            })
    }

    /// The region to use when none is configured: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`
    /// (the profile chosen as for credentials), then the instance metadata service.
    public func region(profile: String? = nil) async throws(AWSClientError) -> String {
        try await RegionResolver(context: context).region(profile: profile)
    }

    /// - Parameter account: whose EC2 request buckets the calls draw on (a profile name, or an account id): clients
    ///   with the same `account` share the client-side rate limit per region and action, as EC2 counts per account.
    public func ec2(credentials: any CredentialProvider, account: String = "default") -> EC2Client {
        EC2Client(context: context, credentials: credentials, account: account)
    }

    public func sts(credentials: any CredentialProvider) -> STSClient {
        STSClient(context: context, credentials: credentials)
    }

    /// Closes the HTTP client's connections. Call once, after the last request.
    public func shutdown() async throws {
        try await context.transport.shutdown()
    }
}
