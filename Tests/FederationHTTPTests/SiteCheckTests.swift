import AddressBook
import Federation
import FednsSupport
import Foundation
import NIOCore
import Testing

@testable import FederationHTTP

/// The assembled server with `[federation.auth]`: its key files checked at start, stellar.toml carrying the SEP-10
/// keys, and `fedns federation check`'s checker (AsyncHTTPClient over real TLS) finding nothing wrong with it.
@Suite("SEP-10 on the live server, and the site checker")
struct SiteCheckTests {
    static let seed = "SAITWIW4OWVLUGIGCLMRQRGKRIFNGBKRL3OSBXAF76TEELOHVJHYVN6N"
    static let account = "GAWP7C3IM7US2APIVQM4R7QNUL5WIYQ4X4SNDBQOJTMZ732WRMPXGR27"

    let pki: TestPKI

    init() throws {
        pki = try TestPKI()
        let root = try TestPKI.root("Check Root")
        let leaf = try TestPKI.issue("localhost", by: root, dnsNames: ["localhost"])
        try pki.write(key: leaf.key, to: "key.pem")
        try pki.write([leaf], to: "cert.pem")
        try pki.write([root], to: "root.pem")
        try Self.secret(Self.seed + "\n", at: pki.path("seed"))
        try Self.secret(String(repeating: "s", count: 40), at: pki.path("jwt"))
    }

    static func secret(_ text: String, at path: String, mode: Int = 0o600) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func config(domains: [String]) throws -> LiveServer.Config {
        var config = try LiveServer.config(
            certificates: [.init(certificate: pki.path("cert.pem"), privateKey: pki.path("key.pem"))], caFile: pki.path("root.pem"),
            domains: domains, store: "sqlite:\(pki.path("book.db"))")
        config.site.auth = WebAuthOptions(
            signingKeyFile: pki.path("seed"), networkPassphrase: StellarNetwork.testNetwork.passphrase, jwtSecretFile: pki.path("jwt"))
        config.site.selfService = SelfServicePolicy(enabled: true)
        return config
    }

    @Test("key files readable by others, or not holding a seed, stop start-up naming the key")
    func keyFiles() throws {
        let site = try config(domains: ["localhost"]).site
        #expect(try FederationHTTPServer.checkFiles(site).stellarTomlWarnings.isEmpty)
        try Self.secret(Self.seed, at: pki.path("seed"), mode: 0o640)
        let readable = #expect(throws: ConfigError.self) { try FederationHTTPServer.checkFiles(site) }
        #expect(readable?.key == "federation.auth.signing_key_file")
        #expect(readable?.message.contains("chmod 600") == true)
        try Self.secret(Self.account, at: pki.path("seed"))
        let notSeed = #expect(throws: ConfigError.self) { try FederationHTTPServer.checkFiles(site) }
        #expect(notSeed?.message.contains("not hold a Stellar secret seed") == true)
        #expect(notSeed?.message.contains(Self.seed) == false)
        try Self.secret("short", at: pki.path("jwt"))
        try Self.secret(Self.seed, at: pki.path("seed"))
        let weak = #expect(throws: ConfigError.self) { try FederationHTTPServer.checkFiles(site) }
        #expect(weak?.key == "federation.auth.jwt_secret_file")
    }

    @Test("the checker finds nothing wrong with fedns: stellar.toml, SEP-2 replies, the SEP-10 challenge")
    func checkerPassesOurServer() async throws {
        let port = try freePort()
        var config = try config(domains: ["localhost:\(port)"])
        config.site.listen = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let results = try await LiveServer.run(config, keepPort: true) { _, _ in
            try await SiteChecker.run(.init(site: "https://localhost:\(port)", caFile: pki.path("root.pem")))
        }
        #expect(results.filter { $0.outcome != .pass } == [], "\(results)")
        let checks = results.map(\.check)
        #expect(checks.contains("web auth: challenge: SEP-10 challenge"))
        #expect(checks.contains("federation: unknown name: status 404"))
        #expect(checks.contains("stellar.toml: HEAD (curl --head): Access-Control-Allow-Origin: *"))
    }

    /// A loopback port free right now (the domain must carry the port the server listens on).
    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
