import AWSClient
import Inventory
import Logging
import Metrics
import Synchronization

/// The inventory as EC2 reports it: DescribeInstances per profile and region, DescribeRegions for
/// `regions = "all"`. One credential provider per profile is kept, so temporary credentials are cached and
/// refreshed rather than fetched per call.
///
/// Metrics: `fedns_aws_requests_total{operation,outcome}` with outcome `ok` or the error category
/// (`throttling`, `auth`, `transient`, ...), once per call after its retries; `fedns_aws_throttled_total{operation,
/// profile,region}`, every throttling answer AWS gave (each one slowed that profile and region down).
///
/// Each profile is taken to be one account: its calls draw on the client-side request buckets of that profile per
/// region, as EC2 counts per account and region.
public final class AWSInstanceSource: InstanceSource {
    /// Every state but `terminated`: the zone serves the configured states, and the companion commands must be
    /// able to say "web-1 is stopped" rather than "no such instance". Filtering server-side also draws on EC2's
    /// larger throttling bucket for filtered calls.
    static let liveStates = ["pending", "running", "shutting-down", "stopping", "stopped"]
    /// Where DescribeRegions is asked when no region is configured anywhere (it lists every region from any).
    static let fallbackHomeRegion = "us-east-1"

    private let session: AWSSession
    private let logger: Logger
    private let providers = Mutex<[String: any CredentialProvider]>([:])

    public init(session: AWSSession, logger: Logger) {
        self.session = session
        self.logger = logger
    }

    private func credentials(for profile: String?) -> any CredentialProvider {
        providers.withLock { cache in
            let key = profile ?? ""
            if let existing = cache[key] { return existing }
            let provider = session.credentialProvider(profile: profile)
            cache[key] = provider
            return provider
        }
    }

    private func ec2Client(for profile: String?) -> EC2Client {
        session.ec2(credentials: credentials(for: profile), account: Self.profileLabel(profile))
    }

    /// How metrics and the rate limiter name a profile; the default chain is `default`, as in the scope labels.
    static func profileLabel(_ profile: String?) -> String { profile ?? "default" }

    /// The session's throttle observer: counts every throttling answer by action, profile and region.
    @Sendable static func countThrottle(_ event: ThrottleEvent) {
        Counter(
            label: "fedns_aws_throttled_total",
            dimensions: [("operation", event.key.action), ("profile", event.key.identity), ("region", event.key.region)]
        ).increment()
    }

    public func instances(in scope: DiscoveryScope) async throws -> [Instance] {
        let ec2 = ec2Client(for: scope.profile)
        let reservations = try await counted("DescribeInstances") {
            try await ec2.describeInstances(region: scope.region, filters: [.instanceStates(Self.liveStates)])
        }
        return EC2InstanceMapping.instances(reservations, region: scope.region)
    }

    /// What an instance printed to its console while booting (where cloud-init writes the SSH host keys), read
    /// with the credentials of the profile it was discovered through.
    public func consoleOutput(of instance: Instance) async throws -> String? {
        let ec2 = ec2Client(for: instance.profile)
        return try await counted("GetConsoleOutput") {
            try await ec2.consoleOutput(region: instance.region, instanceID: instance.id)
        }
    }

    public func regions(profile: String?) async throws -> [String] {
        let home: String
        do {
            home = try await session.region(profile: profile)
        } catch {
            logger.debug(
                "no home region configured; asking \(Self.fallbackHomeRegion) for the region list",
                metadata: ["reason": "\(error)"])
            home = Self.fallbackHomeRegion
        }
        let ec2 = ec2Client(for: profile)
        return try await counted("DescribeRegions") { try await ec2.describeRegions(region: home) }.map(\.name)
    }

    private func counted<T>(_ operation: String, _ call: () async throws -> T) async throws -> T {
        do {
            let value = try await call()
            Counter(label: "fedns_aws_requests_total", dimensions: [("operation", operation), ("outcome", "ok")]).increment()
            return value
        } catch {
            let outcome = (error as? AWSClientError)?.category.rawValue ?? "other"
            Counter(label: "fedns_aws_requests_total", dimensions: [("operation", operation), ("outcome", outcome)])
                .increment()
            throw error
        }
    }
}

/// A failed AWS call's kind, for logging a standing failure once: the operation, the category and AWS's code, or for
/// credentials that could not be had, where they came from (the wrapped STS error's details vary from try to try).
extension AWSClientError: RefreshFailureKind {
    public var failureKind: String {
        if case .credentials(let error) = reason {
            switch error {
            case .notFound: return "\(operation) credentials not found"
            case .failed(let source, _, _, let transient): return "\(operation) credentials from \(source) (transient: \(transient))"
            }
        }
        return "\(operation) \(category.rawValue) \(code ?? "")"
    }
}
