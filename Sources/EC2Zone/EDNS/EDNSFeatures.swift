/// What the server adds to a reply's OPT record when the query asks: a DNS cookie (RFC 7873, RFC 9018) and its
/// name-server identifier (NSID, RFC 5001), so that clients can tell replicas apart. Off unless configured
/// (`[dns] cookies`, `cookie_secret_file`, `nsid`); both answer paths apply the same.
public struct EDNSFeatures: Sendable, Hashable {
    public var cookies: ServerCookies?
    /// The NSID payload, sent only to queries that carry an (empty) NSID option.
    public var nsid: [UInt8]?

    public init(cookies: ServerCookies? = nil, nsid: [UInt8]? = nil) {
        self.cookies = cookies
        self.nsid = nsid
    }

    public static let none = EDNSFeatures()
}
