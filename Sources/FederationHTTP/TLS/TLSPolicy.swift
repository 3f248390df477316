import CNIOBoringSSL
import NIOSSL

/// The TLS policy: strict by default, in the spirit of a modern load-balancer security policy.
///
/// - TLS 1.2 and 1.3 only (SSLv3, TLS 1.0 and 1.1 refused);
/// - TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only (AES-GCM, ChaCha20-Poly1305); RC4, 3DES, CBC and
///   static-RSA suites are not offered. TLS 1.3 suites are all AEAD;
/// - the server's preference order decides, not the client's.
public enum TLSPolicy {
    /// Server preference: AES-GCM first (hardware-accelerated almost everywhere), ECDSA before RSA.
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// A server context serving `bundle` under the strict policy; with `sniCallback`, the chain is chosen per
    /// handshake instead (several certificates).
    static func makeServerContext(serving bundle: CertificateBundle, sniCallback: NIOSSLContextCallback?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: bundle.nioChain.map { .certificate($0) }, privateKey: .privateKey(bundle.nioKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.cipherSuiteValues = tls12CipherSuites
        configuration.applicationProtocols = ["http/1.1"]
        configuration.sslContextCallback = sniCallback
        let context = try NIOSSLContext(configuration: configuration)
        preferServerCipherOrder(context)
        return context
    }

    /// NIOSSL 2.37 has no setting for SSL_OP_CIPHER_SERVER_PREFERENCE, so the option is set on the underlying
    /// BoringSSL context, found by reflection. If a future NIOSSL renames the field this does nothing, and the
    /// end-to-end test that checks the negotiated suite fails, which is the signal to revisit it.
    static func preferServerCipherOrder(_ context: NIOSSLContext) {
        for child in Mirror(reflecting: context).children where child.label == "sslContext" {
            if let pointer = child.value as? OpaquePointer {
                _ = SSL_CTX_set_options(pointer, UInt32(SSL_OP_CIPHER_SERVER_PREFERENCE))
            }
        }
    }
}
