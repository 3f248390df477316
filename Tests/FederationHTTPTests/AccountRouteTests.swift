import AddressBook
import Federation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsTestKit
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import FederationHTTP

/// SEP-10 sign-in and self-service records through the real request paths: Hummingbird's responder (which answers
/// them, with the body) over an address book in SQLite, with a clock and nonces the test controls; and the fast
/// path, which must pass them on rather than answer them.
@Suite("Accounts: /auth and /federation/records")
struct AccountRouteTests {
    static let serverSeed = "SAITWIW4OWVLUGIGCLMRQRGKRIFNGBKRL3OSBXAF76TEELOHVJHYVN6N"
    static let network = StellarNetwork.testNetwork
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The routes over a fresh SQLite address book, with the clock and nonces the test controls.
    final class Fixture: Sendable {
        let directory: String
        let mirror: AddressBookMirror
        let clock = TestClock()
        let routes: AccountRoutes
        let site: SiteRequestAnswerer
        let server: StellarSigningKey

        init() async throws {
            directory = NSTemporaryDirectory() + "fedns-accounts-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            mirror = AddressBookMirror(
                store: try await AddressBook.open(url: "sqlite:\(directory)/book.db", logger: AccountRouteTests.logger),
                logger: AccountRouteTests.logger)
            try await mirror.refresh()
            server = try StellarSigningKey(seed: AccountRouteTests.serverSeed)
            let domains = [try FederationDomain("localhost"), try FederationDomain("example.org")]
            let options = FederationSiteOptions(
                file: "test.toml", listen: try SocketAddress(ipAddress: "127.0.0.1", port: 0), certificates: [], domains: domains,
                auth: WebAuthOptions(
                    signingKeyFile: "", networkPassphrase: AccountRouteTests.network.passphrase, jwtSecretFile: "",
                    requestsPerMinutePerIP: 1000, requestsPerMinutePerAccount: 30),
                selfService: SelfServicePolicy(enabled: true, reserved: ["admin"]))
            let counter = Mutex<UInt8>(0)
            let clock = clock
            routes = AccountRoutes(
                options: options, auth: try #require(options.auth),
                keys: AccountKeys(signingKey: server, tokens: try WebTokenSigner(secret: Array(repeating: 9, count: 32))),
                mirror: mirror, logger: AccountRouteTests.logger, now: { clock.now },
                randomBytes: { count in counter.withLock { $0 &+= 1; return Array(repeating: $0, count: count) } })
            site = SiteRequestAnswerer(
                site: SiteState(try FederationSite(domains: domains, publicURL: nil, webAuth: routes.discoveryKeys)),
                federation: FederationQueryAnswerer(settings: FederationSettings(domains: Set(domains))), directory: mirror,
                accounts: routes)
        }

        func close() async {
            await mirror.store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Runs `body` with a fresh fixture, which is closed whatever happens.
    static func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let fixture = try await Fixture()
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    static func application(_ site: SiteRequestAnswerer) -> some ApplicationProtocol {
        Application(responder: HummingbirdRequestAnswerer(site: site, metrics: FederationMetrics(factory: TestMetrics())))
    }

    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: [String: Any]
    }

    /// Runs requests against one application over a fresh fixture.
    func exchange(_ body: @Sendable (Client, Fixture) async throws -> Void) async throws {
        try await Self.withFixture { fixture in
            try await Self.application(fixture.site).test(.router) { client in try await body(Client(client: client), fixture) }
        }
    }

    struct Client {
        let client: any TestClientProtocol

        func send(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: String? = nil) async throws -> Reply {
            try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
                RouteTests.expectSitePolicy(response)
                return Reply(status: response.status, headers: response.headers, json: object ?? [:])
            }
        }

        func challenge(_ account: AccountID, query: String = "") async throws -> StellarXDR.Envelope {
            let reply = try await send("/auth?account=\(account)\(query)")
            #expect(reply.status == .ok, "\(reply.json)")
            #expect(reply.json["network_passphrase"] as? String == AccountRouteTests.network.passphrase)
            return try StellarXDR.Envelope(base64: try #require(reply.json["transaction"] as? String))
        }

        func post(_ envelope: StellarXDR.Envelope, form: Bool = false) async throws -> Reply {
            if form {
                let encoded = envelope.base64.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return try await send(
                    "/auth", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: "transaction=\(encoded)")
            }
            return try await send("/auth", method: .post, headers: [.contentType: "application/json"], body: #"{"transaction":"\#(envelope.base64)"}"#)
        }

        func token(_ client: StellarSigningKey, query: String = "") async throws -> String {
            var envelope = try await challenge(client.accountID, query: query)
            envelope.signatures.append(client.decoratedSignature(for: envelope.transaction.hash(network: AccountRouteTests.network)))
            let reply = try await post(envelope)
            #expect(reply.status == .ok, "\(reply.json)")
            return try #require(reply.json["token"] as? String)
        }

        func records(_ method: HTTPRequest.Method, _ address: String? = nil, token: String?, body: String? = nil, query: String = "")
            async throws -> Reply
        {
            var headers: HTTPFields = [:]
            if let token { headers[.authorization] = "Bearer \(token)" }
            if body != nil { headers[.contentType] = "application/json" }
            return try await send("/federation/records" + (address.map { "/\($0)" } ?? "") + query, method: method, headers: headers, body: body)
        }
    }

    /// Seconds since 1970, moved by the test.
    final class TestClock: Sendable {
        private let value = Mutex(1_700_000_000.0)
        var now: Double { value.withLock { $0 } }
        func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
    }

    static func key(_ byte: UInt8) throws -> StellarSigningKey { try StellarSigningKey(rawSeed: Array(repeating: byte, count: 32)) }

    @Test("stellar.toml publishes the endpoint, the signing key and the network")
    func discovery() async throws {
        try await exchange { client, fixture in
            try await client.client.execute(uri: "/.well-known/stellar.toml", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"WEB_AUTH_ENDPOINT = "https://localhost/auth""#))
                #expect(text.contains(#"SIGNING_KEY = "\#(fixture.server.accountID)""#))
                #expect(text.contains(#"NETWORK_PASSPHRASE = "Test SDF Network ; September 2015""#))
            }
        }
    }

    @Test("a challenge: from the signing key, for the Host's domain, with the nonce drawn, valid for 300 s")
    func challenge() async throws {
        let client = try Self.key(1)
        try await exchange { http, fixture in
            let envelope = try await http.challenge(client.accountID)
            let tx = envelope.transaction
            #expect(tx.source == .account(fixture.server.accountID))
            #expect(tx.timeBounds == StellarXDR.TimeBounds(minTime: 1_700_000_000, maxTime: 1_700_000_300))
            #expect(tx.operations[0].manageData.nameText == "localhost auth")
            #expect(tx.operations[0].manageData.value == Array(Data(repeating: 1, count: 48).base64EncodedString().utf8))
            #expect(tx.operations[1].manageData.value == Array("localhost".utf8))
            let other = try await http.challenge(client.accountID, query: "&home_domain=example.org")
            #expect(other.transaction.operations[0].manageData.nameText == "example.org auth")
            #expect(other.transaction.operations[0].manageData.value != tx.operations[0].manageData.value)
        }
    }

    @Test("sign in, claim, look up, list, release; another account can neither take nor release it")
    func claimAndRelease() async throws {
        let alice = try Self.key(1)
        let mallory = try Self.key(2)
        try await exchange { http, fixture in
            let token = try await http.token(alice)
            let claimed = try await http.records(.put, "alice*localhost", token: token, body: #"{"memo_type":"id","memo":"7"}"#)
            #expect(claimed.status == .created, "\(claimed.json)")
            #expect(claimed.json["account_id"] as? String == alice.accountID.description)
            #expect(claimed.headers[.cacheControl] == "no-store")
            // Served by the federation endpoint at once: the mirror was reloaded before the reply.
            let found = try await http.send("/federation?type=name&q=alice*localhost")
            #expect(found.status == .ok)
            #expect(found.json["memo"] as? String == "7")
            let listed = try await http.records(.get, token: token)
            #expect((listed.json["records"] as? [[String: String]])?.map { $0["stellar_address"] } == ["alice*localhost"])

            let other = try await http.token(mallory)
            #expect(try await http.records(.put, "ALICE*localhost", token: other).status == .conflict)
            #expect(try await http.records(.delete, "alice*localhost", token: other).status == .forbidden)
            #expect(try await http.records(.get, token: other, query: "?account=\(alice.accountID)").status == .forbidden)

            #expect(try await http.records(.delete, "alice%2Alocalhost", token: token).status == .ok)
            #expect(try await http.send("/federation?type=name&q=alice*localhost").status == .notFound)
            #expect(try await http.records(.delete, "alice*localhost", token: token).status == .notFound)
        }
    }

    @Test("the quota, reserved names, name rules, bad memos, other domains")
    func policy() async throws {
        let alice = try Self.key(3)
        try await exchange { http, fixture in
            let token = try await http.token(alice)
            #expect(try await http.records(.put, "first*localhost", token: token).status == .created)
            let second = try await http.records(.put, "second*localhost", token: token)
            #expect(second.status == .forbidden)
            #expect((second.json["error"] as? String)?.contains("first*localhost") == true)
            #expect(try await http.records(.put, "first*localhost", token: token, body: #"{"memo_type":"text","memo":"hi"}"#).status == .ok)
            #expect(try await http.records(.put, "admin*localhost", token: token).status == .forbidden)
            #expect(try await http.records(.put, "x*localhost", token: token).status == .badRequest)
            #expect(try await http.records(.put, "first*localhost", token: token, body: #"{"memo_type":"id"}"#).status == .badRequest)
            #expect(try await http.records(.put, "first*example.org", token: token).status == .forbidden)
            #expect(try await http.records(.put, "first*nowhere.org", token: token).status == .notFound)
            #expect(try await http.records(.put, "no-star", token: token).status == .badRequest)
            let sameAccountOtherDomain = try await http.token(alice, query: "&home_domain=example.org")
            #expect(try await http.records(.put, "first*example.org", token: sameAccountOtherDomain).status == .created)
        }
    }

    @Test("challenges: replayed, expired, unsigned, or signed by a stranger are refused")
    func challengeRefusals() async throws {
        let alice = try Self.key(4)
        let stranger = try Self.key(5)
        try await exchange { http, fixture in
            var envelope = try await http.challenge(alice.accountID)
            let hash = envelope.transaction.hash(network: Self.network)
            let unsigned = try await http.post(envelope)
            #expect(unsigned.status == .badRequest)
            envelope.signatures.append(alice.decoratedSignature(for: hash))
            var extra = envelope
            extra.signatures.append(stranger.decoratedSignature(for: hash))
            #expect(try await http.post(extra).status == .badRequest)
            #expect(try await http.post(envelope, form: true).status == .ok)
            let replay = try await http.post(envelope)
            #expect(replay.status == .unauthorized)
            #expect((replay.json["error"] as? String)?.contains("used already") == true)

            var late = try await http.challenge(alice.accountID)
            late.signatures.append(alice.decoratedSignature(for: late.transaction.hash(network: Self.network)))
            fixture.clock.advance(301)
            let expired = try await http.post(late)
            #expect(expired.status == .unauthorized)
            #expect((expired.json["error"] as? String)?.contains("expired") == true)
            for body in ["", "{}", #"{"transaction":"AAAA"}"#, "[]"] {
                #expect(try await http.send("/auth", method: .post, headers: [.contentType: "application/json"], body: body).status == .badRequest)
            }
            #expect(try await http.send("/auth?account=nope").status == .badRequest)
            #expect(try await http.send("/auth").status == .badRequest)
        }
    }

    @Test("tokens: missing, malformed, forged, expired")
    func tokens() async throws {
        let alice = try Self.key(6)
        try await exchange { http, fixture in
            let token = try await http.token(alice)
            let missing = try await http.records(.get, token: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try await http.records(.get, token: "a.b.c").status == .unauthorized)
            let forged = try WebTokenSigner(secret: Array(repeating: 1, count: 32)).sign(
                WebAuthToken(issuer: "https://localhost/auth", subject: alice.accountID, audience: "localhost", issuedAt: 1_700_000_000,
                             expiresAt: 1_800_000_000, id: "x"))
            #expect(try await http.records(.get, token: forged).status == .unauthorized)
            #expect(try await http.records(.get, token: token).status == .ok)
            fixture.clock.advance(3601)
            let expired = try await http.records(.get, token: token)
            #expect(expired.status == .unauthorized)
            #expect((expired.json["error"] as? String)?.contains("expired") == true)
        }
    }

    @Test("per-account limit once the account has proven itself: 429 with Retry-After; challenges are not counted")
    func rateLimit() async throws {
        let alice = try Self.key(7)
        try await exchange { http, fixture in
            // Anyone may ask for challenges naming alice: they must not use up her limit.
            for _ in 0..<40 { #expect(try await http.send("/auth?account=\(alice.accountID)").status == .ok) }
            let token = try await http.token(alice)  // her first counted request (POST /auth)
            var statuses: [HTTPResponse.Status] = []
            var last: Reply?
            for _ in 0..<30 {
                let reply = try await http.records(.get, token: token)
                statuses.append(reply.status)
                last = reply
            }
            #expect(statuses.prefix(29).allSatisfy { $0 == .ok })
            #expect(statuses.last == .tooManyRequests)
            #expect(last?.headers[.retryAfter] == "2")
            #expect((last?.json["error"] as? String)?.contains("for this account") == true)
            #expect(try await http.records(.get, token: try await http.token(try Self.key(8))).status == .ok)
            fixture.clock.advance(2)
            #expect(try await http.records(.get, token: token).status == .ok)
        }
    }

    @Test("methods, preflights and HEAD on the account routes")
    func methods() async throws {
        try await exchange { http, fixture in
            let put = try await http.send("/auth", method: .put)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, HEAD, POST, OPTIONS")
            #expect(try await http.send("/federation/records/a*localhost", method: .get).status == .methodNotAllowed)
            let preflight = try await http.send(
                "/federation/records/a*localhost", method: .options,
                headers: [.accessControlRequestMethod: "PUT", .accessControlRequestHeaders: "authorization, content-type"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowMethods] == "PUT, DELETE, OPTIONS")
            #expect(preflight.headers[.accessControlAllowHeaders] == "authorization, content-type")
            try await http.client.execute(uri: "/auth?account=\(try Self.key(9).accountID)", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(Int(response.headers[.contentLength] ?? "0") ?? 0 > 0)
            }
        }
    }

    @Test("without [federation.auth] the routes are a JSON 404, preflights still answered")
    func notConfigured() async throws {
        let domains = [try FederationDomain("localhost")]
        let plain = SiteRequestAnswerer(
            site: SiteState(try FederationSite(domains: domains, publicURL: nil)),
            federation: FederationQueryAnswerer(settings: FederationSettings(domains: Set(domains))), directory: AddressIndex(records: []))
        let app = Application(responder: HummingbirdRequestAnswerer(site: plain, metrics: FederationMetrics(factory: TestMetrics())))
        try await app.test(.router) { client in
            for (uri, method) in [("/auth?account=x", HTTPRequest.Method.get), ("/federation/records", .get), ("/auth", .post)] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body).contains("not configured"))
                }
            }
            try await client.execute(uri: "/auth", method: .options) { #expect($0.status == .noContent) }
        }
        #expect(!plain.defers(method: .get, target: "/auth"))
    }

    @Test("the fast path passes sign-in and record requests on to Hummingbird, and answers the rest itself")
    func fastPathPassesOn() async throws {
        try await Self.withFixture { fixture in try Self.fastPath(fixture.site) }
    }

    static func fastPath(_ site: SiteRequestAnswerer) throws {
        let passedOn = FastPathTests.PassedOn()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()),
            FastPathHandler(site: site, cache: LookupReplyCache(), metrics: FederationMetrics(factory: TestMetrics())), passedOn,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        let requests = [
            "GET /auth?account=G HTTP/1.1", "DELETE /federation/records/a*localhost HTTP/1.1", "GET /federation/records HTTP/1.1",
        ]
        for line in requests { try channel.writeInbound(ByteBuffer(string: "\(line)\r\nHost: localhost\r\n\r\n")) }
        #expect(passedOn.heads.map(\.uri) == ["/auth?account=G", "/federation/records/a*localhost", "/federation/records"])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(site.defers(method: .get, target: "/federation/records"))
        #expect(!site.defers(method: .options, target: "/auth"))
        #expect(!site.defers(method: .get, target: "/federation?type=name&q=a*localhost"))
        _ = try channel.finish()
    }
}
