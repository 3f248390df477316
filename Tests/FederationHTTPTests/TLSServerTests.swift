import AddressBook
import Federation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import FederationHTTP

/// The assembled server over real TLS connections: SNI, certificate rotation without dropping connections, and the
/// start-up checks. Each domain's certificate comes from its own root, and each client trusts one root only, so a
/// handshake that succeeds proves which certificate was served.
@Suite("HTTPS server: SNI, rotation, start-up checks")
struct TLSServerTests: Sendable {
    let pki: TestPKI
    let rootA: TestPKI.Issued
    let rootB: TestPKI.Issued
    let rootRenewed: TestPKI.Issued

    init() throws {
        pki = try TestPKI()
        rootA = try TestPKI.root("Root A")
        rootB = try TestPKI.root("Root B")
        rootRenewed = try TestPKI.root("Root Renewed")
        try pki.write([rootA, rootB, rootRenewed], to: "roots.pem")
        try writeLeaf("a", names: ["a.test", "www.a.test"], root: rootA)
        try writeLeaf("b", names: ["b.test"], root: rootB)
    }

    func writeLeaf(_ file: String, names: [String], root: TestPKI.Issued) throws {
        let leaf = try TestPKI.issue(names[0], by: root, dnsNames: names)
        try pki.write(key: leaf.key, to: "\(file)-key.pem")
        try pki.write([leaf], to: "\(file).pem")
    }

    func pair(_ file: String) -> FederationSiteOptions.CertificatePair {
        .init(certificate: pki.path("\(file).pem"), privateKey: pki.path("\(file)-key.pem"))
    }

    func config(port: Int = 0) throws -> LiveServer.Config {
        try LiveServer.config(
            port: port, certificates: [pair("a"), pair("b")], caFile: pki.path("roots.pem"), domains: ["a.test", "b.test"],
            store: "sqlite:\(pki.path("book.db"))")
    }

    /// A client that trusts `root` only and asks for `serverName` by SNI.
    func client(port: Int, trusting root: TestPKI.Issued, serverName: String) throws -> TestClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(try root.pem.utf8), format: .pem)])
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(tlsConfiguration: tls, timeout: .seconds(5), serverName: serverName))
        client.connect()
        return client
    }

    func stellarToml(_ client: TestClient, host: String) async throws -> TestClient.Response {
        try await client.execute(TestClient.Request("/.well-known/stellar.toml", method: .get, authority: host))
    }

    @Test("SNI picks each domain's certificate, and the Host picks its stellar.toml")
    func sni() async throws {
        try await LiveServer.run(try config()) { _, port in
            for (host, root) in [("a.test", rootA), ("b.test", rootB), ("www.a.test", rootA)] {
                let client = try client(port: port, trusting: root, serverName: host)
                let response = try await stellarToml(client, host: host)
                #expect(response.status == .ok)
                let domain = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
                #expect(String(buffer: response.body ?? ByteBuffer()).contains("https://\(domain)/federation"))
                #expect(response.headers[.strictTransportSecurity] == "max-age=63072000; includeSubDomains")
                try await client.shutdown()
            }
            // The other domain's root does not verify this name's certificate: the choice is real.
            let wrong = try client(port: port, trusting: rootA, serverName: "b.test")
            await #expect(throws: (any Error).self) { try await stellarToml(wrong, host: "b.test") }
            try? await wrong.shutdown()
        }
    }

    @Test("new certificate files reach new handshakes; open connections keep working; a broken file changes nothing")
    func rotation() async throws {
        try await LiveServer.run(try config()) { server, port in
            let open = try client(port: port, trusting: rootA, serverName: "a.test")
            #expect(try await stellarToml(open, host: "a.test").status == .ok)

            try writeLeaf("a", names: ["a.test"], root: rootRenewed)
            await server.reload()
            #expect(try await stellarToml(open, host: "a.test").status == .ok, "the open connection was dropped")
            let renewed = try client(port: port, trusting: rootRenewed, serverName: "a.test")
            #expect(try await stellarToml(renewed, host: "a.test").status == .ok)
            let stale = try client(port: port, trusting: rootA, serverName: "a.test")
            await #expect(throws: (any Error).self) { try await stellarToml(stale, host: "a.test") }

            try pki.write("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n", to: "a.pem")
            await server.reload()
            let after = try client(port: port, trusting: rootRenewed, serverName: "a.test")
            #expect(try await stellarToml(after, host: "a.test").status == .ok)
            for client in [open, renewed, after] { try await client.shutdown() }
            try? await stale.shutdown()
        }
    }

    /// Runs make() over an address book opened as the server assembly opens it, and returns the description of
    /// its error.
    func startupError(_ options: FederationSiteOptions) async -> String? {
        let addressBook: AddressBookMirror
        do {
            addressBook = try await LiveServer.openAddressBook("sqlite:\(pki.path("book.db"))")
        } catch {
            return "the test's address book: \(error)"
        }
        let refusal: String?
        do {
            let server = try await FederationHTTPServer.make(options: options, addressBook: addressBook, logger: LiveServer.logger)
            await server.shutdown()
            refusal = nil
        } catch {
            refusal = "\(error)"
        }
        await addressBook.store.close()
        return refusal
    }

    /// (An unusable store is refused by the server assembly, which opens it: ServerAssemblyTests.)
    @Test("start-up refuses a broken chain, a bad stellar.toml and a busy port, naming each")
    func startupChecks() async throws {
        let config = try config().site

        var broken = config
        broken.certificates = [pair("a"), .init(certificate: pki.path("b.pem"), privateKey: pki.path("a-key.pem"))]
        #expect(await startupError(broken)?.contains("\(pki.path("a-key.pem")) does not match the certificate in") == true)

        var missing = config
        missing.certificates = [.init(certificate: pki.path("none.pem"), privateKey: pki.path("a-key.pem"))]
        #expect(await startupError(missing)?.hasPrefix("\(pki.path("none.pem")) cannot read the certificate") == true)

        var badToml = config
        badToml.stellarToml = try pki.write("TRANSFER_SERVER = \"http://a.test/sep6\"\n", to: "extra.toml")
        #expect(await startupError(badToml)?.contains("extra.toml: TRANSFER_SERVER:") == true)

        // A port this test holds itself.
        let squatter = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(squatter.localAddress?.port)
        var busy = config
        busy.listen = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let refusal = await startupError(busy)
        #expect(refusal?.hasPrefix("test.toml: federation.listen: cannot listen on 127.0.0.1:\(port)") == true, "\(refusal ?? "started")")
        try await squatter.close()

        #expect(await startupError(config) == nil)
    }
}
