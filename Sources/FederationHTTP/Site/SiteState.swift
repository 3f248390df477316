import Synchronization

/// The site being served, replaced whole on reload (SIGHUP re-reads the operator's stellar.toml); a request reads
/// it once, under a lock held for a pointer copy.
final class SiteState: Sendable {
    private let site: Mutex<FederationSite>

    init(_ site: FederationSite) {
        self.site = Mutex(site)
    }

    var current: FederationSite { site.withLock { $0 } }

    func replace(with fresh: FederationSite) {
        site.withLock { $0 = fresh }
    }
}
