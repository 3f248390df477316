/// One place discovery looks: an account (reached through a credentials profile, or the default chain) in one
/// region.
public struct DiscoveryScope: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The credentials profile, or nil for the default credential chain.
    public var profile: String?
    public var region: String

    public init(profile: String?, region: String) {
        self.profile = profile
        self.region = region
    }

    public var description: String { "\(profile ?? "default")/\(region)" }

    public static func < (lhs: DiscoveryScope, rhs: DiscoveryScope) -> Bool {
        (lhs.profile ?? "", lhs.region) < (rhs.profile ?? "", rhs.region)
    }
}

/// Where instances come from. The AWS implementation calls DescribeInstances; tests can script one.
public protocol InstanceSource: Sendable {
    /// Every instance of one scope. Throws when the scope cannot be read; the error's description is what the
    /// operator sees in the log and in `fedns instances`.
    func instances(in scope: DiscoveryScope) async throws -> [Instance]

    /// The regions enabled for a profile, for `regions = "all"`.
    func regions(profile: String?) async throws -> [String]
}

/// An error that can say what kind of failure it is apart from the details that change from one try to the next
/// (attempt counts, timings, request IDs, the text of a nested error): a scope that keeps failing the same way is
/// logged once, when the failure starts, and again only when its kind changes. Errors that do not conform are
/// compared by their whole description.
public protocol RefreshFailureKind: Error {
    var failureKind: String { get }
}

/// Which regions to read.
public enum RegionSelection: Sendable, Hashable {
    /// Every region enabled for the account (DescribeRegions), re-scanned hourly.
    case all
    case list([String])
}
