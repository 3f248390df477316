import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// One certificate chain and its private key, read from PEM files and checked before use: a chain that would
/// fail in clients (expired, not yet valid, key mismatch, missing intermediates) is an error at start or reload,
/// not a handshake failure reported by users.
public struct CertificateBundle: Sendable {
    public let certificatePath: String
    public let privateKeyPath: String
    /// The chain as served: leaf first.
    public let chain: [Certificate]
    /// DNS names the leaf is valid for (SAN dNSName entries, lower-cased; wildcards kept as `*.example.org`).
    public let names: [String]
    public let notValidAfter: Date
    let nioChain: [NIOSSLCertificate]
    let nioKey: NIOSSLPrivateKey

    /// Days until the leaf expires (negative once it has): for the certificate metric and `fedns doctor`.
    public func daysLeft(at now: Date = Date()) -> Double {
        notValidAfter.timeIntervalSince(now) / 86400
    }

    public var leaf: Certificate { chain[0] }

    /// Reads and validates. `trustRoots` are the certificates a chain may end at without including them (the
    /// system store, plus any configured CA file).
    public init(certificatePath: String, privateKeyPath: String, trustRoots: TrustRoots, now: Date = Date()) throws(TLSSetupError) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        let chainPEM = try Self.read(certificatePath, what: "certificate")
        let keyPEM = try Self.read(privateKeyPath, what: "private key")

        let chain: [Certificate]
        do {
            chain = try PEMDocument.parseMultiple(pemString: chainPEM).filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
        } catch {
            throw TLSSetupError(file: certificatePath, problem: "is not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else {
            throw TLSSetupError(file: certificatePath, problem: "contains no certificate")
        }
        // Order first: a reversed chain would otherwise be reported as a key that does not match its "leaf".
        try Self.checkChainOrder(chain, path: certificatePath)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw TLSSetupError(file: privateKeyPath, problem: "is not a PEM private key (RSA, P-256, P-384 or Ed25519) (\(error))")
        }
        guard key.publicKey == leaf.publicKey else {
            throw TLSSetupError(
                file: privateKeyPath, problem: "does not match the certificate in \(certificatePath) (key mismatch)")
        }
        for certificate in chain {
            guard certificate.notValidAfter > now else {
                throw TLSSetupError(
                    file: certificatePath,
                    problem: "certificate \"\(certificate.subject)\" expired on \(Self.describe(certificate.notValidAfter))")
            }
            guard certificate.notValidBefore <= now else {
                throw TLSSetupError(
                    file: certificatePath,
                    problem: "certificate \"\(certificate.subject)\" is not valid before \(Self.describe(certificate.notValidBefore))")
            }
        }
        try Self.checkChainReachesRoot(chain, path: certificatePath, trustRoots: trustRoots)

        let names: [String]
        do {
            names = try leaf.extensions.subjectAlternativeNames?.compactMap { name -> String? in
                if case .dnsName(let dns) = name { return dns.lowercased() }
                return nil
            } ?? []
        } catch {
            throw TLSSetupError(file: certificatePath, problem: "has an unreadable subjectAltName extension (\(error))")
        }
        do {
            nioChain = try chain.map { certificate in
                var serializer = DER.Serializer()
                try serializer.serialize(certificate)
                return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
            }
            nioKey = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        } catch {
            throw TLSSetupError(file: certificatePath, problem: "cannot be loaded for TLS (\(error))")
        }
        self.chain = chain
        self.names = names
        self.notValidAfter = leaf.notValidAfter
    }

    /// Every certificate must be issued (and signed) by the next one.
    private static func checkChainOrder(_ chain: [Certificate], path: String) throws(TLSSetupError) {
        for (certificate, issuer) in zip(chain, chain.dropFirst()) {
            guard certificate.issuer == issuer.subject else {
                throw TLSSetupError(
                    file: path,
                    problem: "is out of order: \"\(certificate.subject)\" is followed by \"\(issuer.subject)\", which did not issue it; list the leaf first, then each issuer")
            }
            guard issuer.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                throw TLSSetupError(
                    file: path,
                    problem: "has \"\(certificate.subject)\" followed by an \"\(issuer.subject)\" whose key did not sign it (a certificate from another issuance?); use the chain file your CA issued with the leaf")
            }
        }
    }

    /// The last certificate must be a root itself or issued by a trusted root: otherwise clients that do not cache
    /// intermediates fail with "unable to get local issuer certificate".
    private static func checkChainReachesRoot(_ chain: [Certificate], path: String, trustRoots: TrustRoots) throws(TLSSetupError) {
        guard let last = chain.last, last.issuer != last.subject else { return }
        switch trustRoots.verifiesIssuer(of: last) {
        case .trusted:
            return
        case .unknownIssuer:
            throw TLSSetupError(
                file: path,
                problem: "is missing intermediate certificates: the issuer \"\(last.issuer)\" of \"\(last.subject)\" is neither in the file nor a trusted root; append the intermediate certificate(s) after the leaf")
        case .wrongKey:
            throw TLSSetupError(
                file: path,
                problem: "ends with \"\(last.subject)\", which the trusted root \"\(last.issuer)\" did not sign (a root of the same name with another key); append the right intermediate or fix ca_file")
        }
    }

    private static func read(_ path: String, what: String) throws(TLSSetupError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSSetupError(file: path, problem: "cannot read the \(what): \((error as NSError).localizedDescription)")
        }
    }

    static func describe(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// True when the leaf is valid for `host` (exact SAN, or a `*.` wildcard covering one label).
    public func covers(host: String) -> Bool {
        let host = host.lowercased()
        return names.contains { name in
            if name == host { return true }
            guard name.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
            return host[host.index(after: dot)...] == name.dropFirst(2)
        }
    }
}

/// Roots a served chain may end at without including them.
public struct TrustRoots: Sendable {
    private let keysBySubject: [DistinguishedName: [Certificate.PublicKey]]

    public init(certificates: [Certificate]) {
        keysBySubject = Dictionary(grouping: certificates, by: \.subject).mapValues { $0.map(\.publicKey) }
    }

    /// The system store (Debian's bundle), plus an optional extra CA file.
    public static func system(extraFile: String? = nil) throws(TLSSetupError) -> TrustRoots {
        var certificates: [Certificate] = []
        for path in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            certificates += (try? PEMDocument.parseMultiple(pemString: text))?.compactMap { try? Certificate(derEncoded: $0.derBytes) } ?? []
            break
        }
        if let extraFile {
            let text: String
            do {
                text = try String(contentsOfFile: extraFile, encoding: .utf8)
            } catch {
                throw TLSSetupError(file: extraFile, problem: "cannot read the CA file: \((error as NSError).localizedDescription)")
            }
            do {
                certificates += try PEMDocument.parseMultiple(pemString: text).map { try Certificate(derEncoded: $0.derBytes) }
            } catch {
                throw TLSSetupError(file: extraFile, problem: "is not a PEM certificate file (\(error))")
            }
        }
        return TrustRoots(certificates: certificates)
    }

    enum Verdict {
        case trusted, unknownIssuer, wrongKey
    }

    /// Whether a trusted root issued `certificate`: one of that name whose key made its signature.
    func verifiesIssuer(of certificate: Certificate) -> Verdict {
        guard let keys = keysBySubject[certificate.issuer] else { return .unknownIssuer }
        return keys.contains { $0.isValidSignature(certificate.signature, for: certificate) } ? .trusted : .wrongKey
    }
}

/// A TLS set-up problem, naming the file and what to do.
public struct TLSSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String
    public var description: String { "\(file) \(problem)" }
}
