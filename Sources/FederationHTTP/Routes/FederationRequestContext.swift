import Hummingbird

/// The request context of the HTTPS endpoint: Hummingbird's core storage plus the site the `Host` header named,
/// which ``SitePolicyMiddleware`` resolves once before any route runs.
public struct FederationRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var host: FederationSite.Host?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
