import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made by the tests themselves: roots, intermediates and leaves with P-256 keys, written as PEM files
/// into a directory of the test's own.
struct TestPKI: Sendable {
    /// A certificate with the key that signs what it issues (or serves, for a leaf).
    struct Issued: Sendable {
        let certificate: Certificate
        let key: Certificate.PrivateKey

        var pem: String {
            get throws { try certificate.serializeAsPEM().pemString }
        }
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-pki-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    static let now = Date()

    static func newKey() -> Certificate.PrivateKey { Certificate.PrivateKey(P256.Signing.PrivateKey()) }

    /// A self-signed root.
    static func root(_ name: String, key: Certificate.PrivateKey = newKey()) throws -> Issued {
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - 3600, notValidAfter: now + 86400 * 30, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: key)
        return Issued(certificate: certificate, key: key)
    }

    /// A certificate issued by `issuer`: an intermediate CA when `dnsNames` is empty, else a server leaf.
    static func issue(
        _ name: String, by issuer: Issued, dnsNames: [String] = [], key: Certificate.PrivateKey = newKey(),
        notValidBefore: Date = now - 3600, notValidAfter: Date = now + 86400 * 10
    ) throws -> Issued {
        let isAuthority = dnsNames.isEmpty
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: issuer.certificate.subject,
            subject: try DistinguishedName { CommonName(name) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if isAuthority {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(dnsNames.map { .dnsName($0) })
                }
            },
            issuerPrivateKey: issuer.key)
        return Issued(certificate: certificate, key: key)
    }

    /// Writes certificates (in the order given) to one PEM file; returns its path.
    @discardableResult
    func write(_ certificates: [Issued], to name: String) throws -> String {
        try write(certificates.map { try $0.pem }.joined(separator: "\n") + "\n", to: name)
    }

    /// Writes a private key in PKCS#8 PEM; returns its path.
    @discardableResult
    func write(key: Certificate.PrivateKey, to name: String) throws -> String {
        try write(key.serializeAsPEM().pemString + "\n", to: name)
    }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        // Written aside and renamed, as certificate tools do, so a watcher never reads half a file.
        let temporary = directory.appendingPathComponent(".\(name).tmp")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return url.path
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
