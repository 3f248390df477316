import Foundation
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The certificates in use, swappable while the server runs, and the TLS context serving them. Each new
/// connection takes the context current when it arrives, so a reload takes effect for the next handshake and never
/// touches established connections.
///
/// With one certificate the context simply holds it; with several, the context asks the store (through NIOSSL's
/// context callback, once per handshake) for the chain matching the client's SNI name. The callback costs a
/// suspension of the handshake, so the single-certificate case, the common one, does without it.
public final class CertificateStore: Sendable {
    /// A chain file and its key file, as configured.
    public typealias Source = FederationSiteOptions.CertificatePair

    private let sources: [Source]
    private let caFile: String?
    private let selection: SNISelection
    private let context: Mutex<NIOSSLContext>
    private let logger: Logger

    /// Loads every source; any problem is thrown (start-up refuses to run with a broken chain).
    public init(sources: [Source], caFile: String?, logger: Logger) throws(TLSSetupError) {
        self.sources = sources
        self.caFile = caFile
        self.logger = logger
        let bundles = try Self.load(sources, caFile: caFile)
        selection = SNISelection(bundles)
        context = Mutex(try Self.makeContext(bundles, selection: selection))
    }

    static func load(_ sources: [Source], caFile: String?) throws(TLSSetupError) -> [CertificateBundle] {
        let roots = try TrustRoots.system(extraFile: caFile)
        var bundles: [CertificateBundle] = []
        for source in sources {
            bundles.append(
                try CertificateBundle(certificatePath: source.certificate, privateKeyPath: source.privateKey, trustRoots: roots))
        }
        return bundles
    }

    private static func makeContext(_ bundles: [CertificateBundle], selection: SNISelection) throws(TLSSetupError)
        -> NIOSSLContext
    {
        guard let first = bundles.first else {
            throw TLSSetupError(file: "[federation]", problem: "needs at least one certificate")
        }
        do {
            return try TLSPolicy.makeServerContext(serving: first, sniCallback: bundles.count > 1 ? selection.callback : nil)
        } catch {
            throw TLSSetupError(file: first.certificatePath, problem: "cannot be used for TLS (\(error))")
        }
    }

    public var bundles: [CertificateBundle] { selection.bundles }

    /// The context for a new connection.
    public var currentContext: NIOSSLContext { context.withLock { $0 } }

    /// Re-reads every file. A problem keeps the certificates in use and is returned for the log.
    @discardableResult
    public func reload() -> TLSSetupError? {
        do {
            let fresh = try Self.load(sources, caFile: caFile)
            let freshContext = try Self.makeContext(fresh, selection: selection)
            selection.replace(with: fresh)
            context.withLock { $0 = freshContext }
            logger.info(
                "TLS certificates loaded",
                metadata: ["certificates": "\(fresh.map(\.certificatePath).joined(separator: ","))"])
            return nil
        } catch {
            logger.error("TLS certificates not reloaded; keeping the ones in use", metadata: ["error": "\(error)"])
            return error
        }
    }

    /// The bundle for an SNI name: the first whose names cover it, else the first configured (clients without
    /// SNI, or names no certificate covers, get the default certificate, as most servers do).
    public func bundle(forServerName name: String?) -> CertificateBundle? {
        selection.bundle(forServerName: name)
    }

    /// Days until the soonest expiry among the certificates in use (for metrics and `fedns doctor`).
    public var daysUntilFirstExpiry: Double {
        bundles.map { $0.daysLeft() }.min() ?? Date.distantFuture.timeIntervalSinceNow / 86400
    }

    /// A fingerprint of the files (inode, size and modification time, after following symlinks), to notice
    /// renewals such as certbot's, which re-point symlinks, as well as files rewritten in place. The CA file is
    /// included: a chain from a new private CA is only accepted once that file names its root.
    func filesFingerprint() -> [String] {
        (sources.flatMap { [$0.certificate, $0.privateKey] } + (caFile.map { [$0] } ?? [])).map { path in
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return "\(path): missing" }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let inode = attributes[.systemFileNumber].map { "\($0)" } ?? "?"
            let size = attributes[.size].map { "\($0)" } ?? "?"
            return "\(target):\(inode):\(size):\(modified)"
        }
    }
}

/// The bundles SNI chooses from, read by the per-handshake callback.
final class SNISelection: Sendable {
    private let current: Mutex<[CertificateBundle]>

    init(_ bundles: [CertificateBundle]) {
        current = Mutex(bundles)
    }

    var bundles: [CertificateBundle] { current.withLock { $0 } }

    func replace(with bundles: [CertificateBundle]) {
        current.withLock { $0 = bundles }
    }

    func bundle(forServerName name: String?) -> CertificateBundle? {
        let bundles = bundles
        if let name, let match = bundles.first(where: { $0.covers(host: name) }) {
            return match
        }
        return bundles.first
    }

    /// The NIOSSL callback: picks the chain per handshake.
    var callback: NIOSSLContextCallback {
        { [self] values, promise in
            guard let bundle = bundle(forServerName: values.serverHostname) else {
                promise.succeed(.noChanges)
                return
            }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = bundle.nioChain.map { .certificate($0) }
            override.privateKey = .privateKey(bundle.nioKey)
            promise.succeed(override)
        }
    }
}
