import AWSClient
import Inventory
import Logging
import NIOCore

/// How the AWS source reads EC2: what to refresh and how often (the refresher's settings), the endpoints, and the
/// time limit of one request. `Settings` makes it from `[discovery]`.
public struct DiscoveryOptions: Sendable, Hashable {
    public var refresh: RefreshOptions
    /// Explicit endpoints (`ec2_endpoint`, `sts_endpoint`), winning over `AWS_ENDPOINT_URL*`.
    public var ec2Endpoint: String?
    public var stsEndpoint: String?
    /// The time limit of one AWS request (each retry gets its own).
    public var requestTimeout: Duration
    /// Reading SSH host keys from instance consoles (`[discovery] host_keys`, `host_key_rate`).
    public var hostKeys: HostKeyCollector.Options
    /// The client-side bucket for EC2's read calls per profile and region: `requestBurst` tokens, refilled at
    /// `requestRate` per second; EC2's documented bucket for them (100, 20/s) by default.
    public var requestRate: Double
    public var requestBurst: Double
    /// EC2's documented bucket for non-mutating calls (`TokenBucket.Limits.ec2NonMutating`): 20 per second, 100 tokens.
    public static let defaultRequestRate = TokenBucket.Limits.ec2NonMutating.refillPerSecond
    public static let defaultRequestBurst = TokenBucket.Limits.ec2NonMutating.capacity

    public init(
        refresh: RefreshOptions, ec2Endpoint: String? = nil, stsEndpoint: String? = nil, requestTimeout: Duration = .seconds(30),
        hostKeys: HostKeyCollector.Options = HostKeyCollector.Options(),
        requestRate: Double = DiscoveryOptions.defaultRequestRate, requestBurst: Double = DiscoveryOptions.defaultRequestBurst
    ) {
        self.refresh = refresh
        self.ec2Endpoint = ec2Endpoint
        self.stsEndpoint = stsEndpoint
        self.requestTimeout = requestTimeout
        self.hostKeys = hostKeys
        self.requestRate = requestRate
        self.requestBurst = requestBurst
    }
}

/// Everything AWS discovery needs, made from its options once: the session (one HTTP client), the instance
/// source, and refresh settings with the regions resolved. Used by `fedns serve`, `fedns instances` and the
/// companion commands alike, so they read AWS the same way.
public struct AWSDiscovery: Sendable {
    public let session: AWSSession
    public let source: AWSInstanceSource
    public let settings: RefreshOptions

    /// When `regions` is not configured, the region of the (first) profile, `AWS_REGION` or instance metadata.
    /// - Parameter eventLoopGroup: where the AWS client's sockets run; nil: AsyncHTTPClient's shared event loops.
    public static func make(
        _ config: DiscoveryOptions, logger: Logger, eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws -> AWSDiscovery {
        var overrides: [AWSService: String] = [:]
        overrides[.ec2] = config.ec2Endpoint
        overrides[.sts] = config.stsEndpoint
        // Throttled calls keep being retried (ever more slowly, as the limiter cuts the rate) for up to one refresh
        // interval: a refresh that AWS slows down finishes late rather than failing its scopes.
        var retry = RetryPolicy.standard
        retry.throttlingRetryWindow = config.refresh.interval
        let session = try AWSSession(
            configuration: AWSClientConfiguration(
                endpointOverrides: overrides, requestTimeout: config.requestTimeout,
                // With an endpoint override every region is one host: let every scope read in flight have a connection.
                connectionsPerHost: max(8, config.refresh.maxConcurrency), retry: retry,
                requestLimits: RequestLimits(
                    nonMutating: TokenBucket.Limits(capacity: config.requestBurst, refillPerSecond: config.requestRate)),
                throttleObserver: AWSInstanceSource.countThrottle, eventLoopGroup: eventLoopGroup),
            logger: logger)
        var settings = config.refresh
        if case .list(let regions) = settings.regions, regions.isEmpty {
            do {
                settings.regions = .list([try await session.region(profile: settings.profiles.first ?? nil)])
            } catch {
                try? await session.shutdown()
                throw DiscoverySetupError(
                    message: "no region to read: set [discovery] regions (a list, or \"all\"), AWS_REGION, or a region in the AWS profile (\(error))")
            }
        }
        return AWSDiscovery(session: session, source: AWSInstanceSource(session: session, logger: logger), settings: settings)
    }

    public func shutdown() async {
        try? await session.shutdown()
    }
}

public struct DiscoverySetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
