import Crypto
import Foundation
import Testing
import X509

@testable import FederationHTTP

/// The chain check at start and reload: each broken chain is refused with a message naming the file and the fix.
@Suite("Certificate chains")
struct CertificateBundleTests {
    let pki: TestPKI
    let root: TestPKI.Issued
    let intermediate: TestPKI.Issued
    let roots: TrustRoots

    init() throws {
        pki = try TestPKI()
        root = try TestPKI.root("Test Root")
        intermediate = try TestPKI.issue("Test Intermediate", by: root)
        roots = TrustRoots(certificates: [root.certificate])
    }

    /// Writes the chain and the key, and loads them.
    func load(_ chain: [TestPKI.Issued], key: Certificate.PrivateKey, trusting trust: TrustRoots? = nil) throws(TLSSetupError)
        -> CertificateBundle
    {
        let certificatePath: String
        let keyPath: String
        do {
            certificatePath = try pki.write(chain, to: "chain.pem")
            keyPath = try pki.write(key: key, to: "key.pem")
        } catch {
            throw TLSSetupError(file: "test", problem: "could not write the files: \(error)")
        }
        return try CertificateBundle(certificatePath: certificatePath, privateKeyPath: keyPath, trustRoots: trust ?? roots)
    }

    func expectRefusal(_ mentions: String, _ chain: [TestPKI.Issued], key: Certificate.PrivateKey) {
        do {
            _ = try load(chain, key: key)
            Issue.record("a broken chain was accepted (expected: \(mentions))")
        } catch {
            #expect(error.file.hasSuffix("chain.pem") || error.file.hasSuffix("key.pem"), "\(error)")
            #expect(error.description.contains(mentions), "\(error)")
        }
    }

    @Test("a complete chain loads, with its names and expiry")
    func completeChain() throws {
        let leaf = try TestPKI.issue("leaf", by: intermediate, dnsNames: ["example.org", "*.example.net"])
        let bundle = try load([leaf, intermediate], key: leaf.key)
        #expect(bundle.names == ["example.org", "*.example.net"])
        #expect(bundle.chain.count == 2)
        #expect(bundle.notValidAfter == leaf.certificate.notValidAfter)
        #expect(bundle.covers(host: "EXAMPLE.org"))
        #expect(bundle.covers(host: "fed.example.net"))
        #expect(!bundle.covers(host: "a.b.example.net"))
        #expect(!bundle.covers(host: "example.com"))
    }

    @Test("a self-signed certificate needs no trusted root")
    func selfSigned() throws {
        let alone = try TestPKI.root("self-signed")
        _ = try load([alone], key: alone.key, trusting: TrustRoots(certificates: []))
    }

    @Test("an expired certificate is refused")
    func expired() throws {
        let leaf = try TestPKI.issue("old", by: root, dnsNames: ["example.org"], notValidBefore: TestPKI.now - 86400 * 10, notValidAfter: TestPKI.now - 60)
        expectRefusal("expired on", [leaf], key: leaf.key)
    }

    @Test("a certificate not yet valid is refused")
    func notYetValid() throws {
        let leaf = try TestPKI.issue("early", by: root, dnsNames: ["example.org"], notValidBefore: TestPKI.now + 3600)
        expectRefusal("is not valid before", [leaf], key: leaf.key)
    }

    @Test("a key that is not the certificate's is refused")
    func keyMismatch() throws {
        let leaf = try TestPKI.issue("leaf", by: root, dnsNames: ["example.org"])
        expectRefusal("key mismatch", [leaf], key: TestPKI.newKey())
    }

    @Test("a leaf without its intermediate is refused")
    func missingIntermediate() throws {
        let leaf = try TestPKI.issue("leaf", by: intermediate, dnsNames: ["example.org"])
        expectRefusal("missing intermediate certificates", [leaf], key: leaf.key)
    }

    @Test("a chain in the wrong order is refused")
    func outOfOrder() throws {
        let leaf = try TestPKI.issue("leaf", by: intermediate, dnsNames: ["example.org"])
        expectRefusal("out of order", [intermediate, leaf], key: leaf.key)
    }

    @Test("an intermediate of the right name but another key is refused")
    func wrongIntermediateKey() throws {
        let leaf = try TestPKI.issue("leaf", by: intermediate, dnsNames: ["example.org"])
        let impostor = try TestPKI.issue("Test Intermediate", by: root)
        expectRefusal("whose key did not sign it", [leaf, impostor], key: leaf.key)
    }

    @Test("a chain ending at a root of the right name but another key is refused")
    func wrongRootKey() throws {
        let otherRoot = try TestPKI.root("Test Root")
        let leaf = try TestPKI.issue("leaf", by: otherRoot, dnsNames: ["example.org"])
        expectRefusal("did not sign", [leaf], key: leaf.key)
    }

    @Test("missing and unreadable files name the file")
    func unreadableFiles() throws {
        let leaf = try TestPKI.issue("leaf", by: root, dnsNames: ["example.org"])
        let keyPath = try pki.write(key: leaf.key, to: "key.pem")
        do {
            _ = try CertificateBundle(certificatePath: pki.path("absent.pem"), privateKeyPath: keyPath, trustRoots: roots)
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.file == pki.path("absent.pem"))
            #expect(error.description.contains("cannot read the certificate"))
        }
        let garbage = try pki.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", to: "garbage.pem")
        do {
            _ = try CertificateBundle(certificatePath: garbage, privateKeyPath: keyPath, trustRoots: roots)
            Issue.record("garbage accepted")
        } catch {
            #expect(error.file == garbage)
            #expect(error.description.contains("is not a PEM certificate chain"))
        }
    }
}
