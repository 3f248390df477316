import Logging
import ServiceLifecycle

/// Polls the certificate and key files and reloads them when they change (a certbot renewal, a rotated secret),
/// without a SIGHUP. A change is acted on once the files have stayed the same for one more interval, so that a
/// renewal caught between writing the certificate and writing the key does not log a false key mismatch.
struct CertificateWatcher: Service {
    let store: CertificateStore
    let interval: Duration
    /// Called after each reload that took the new files.
    let onReload: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        var loaded = store.filesFingerprint()
        var pending: [String]?
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let now = store.filesFingerprint()
            if now == loaded {
                pending = nil
            } else if now == pending {
                logger.info("certificate files changed; reloading")
                // A failed reload keeps the old certificates; the files are not retried until they change again.
                if store.reload() == nil { onReload() }
                loaded = now
                pending = nil
            } else {
                pending = now
            }
        }
    }
}
