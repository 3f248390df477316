import EC2Zone
import Settings

extension EDNSFeatures {
    /// The `[dns]` cookie and NSID settings; `processSecret` signs cookies when no `cookie_secret_file` is shared.
    init(_ config: DNSConfig, processSecret: ServerCookies.Secret) {
        self.init(
            cookies: config.cookies ? ServerCookies(secrets: config.cookieSecrets ?? [processSecret]) : nil,
            nsid: config.nsid)
    }
}
