import Foundation
import Testing

@testable import Federation

/// SEP-10 challenges built and checked as the server does, against the Python stellar-sdk's, and the tokens.
@Suite struct WebAuthTests {
    static func service(
        _ vector: SEP10Vectors.Vector, key: StellarSigningKey = SEP10Vectors.server, network: StellarNetwork? = nil
    ) -> WebAuthService {
        WebAuthService(
            signingKey: key, network: network ?? vector.network,
            challengeLifetime: (vector.max_time ?? 0) - (vector.min_time ?? 0),
            webAuthDomains: [vector.home_domain ?? "": vector.web_auth_domain ?? ""])
    }

    static var client: AccountID { SEP10Vectors.client.accountID }

    @Test("the signing key from an S… seed is the SDK's account")
    func signingKey() throws {
        #expect(SEP10Vectors.server.accountID.description == SEP10Vectors.shared.server_account)
        #expect(SEP10Vectors.server.description == "signing key \(SEP10Vectors.shared.server_account)")
        #expect(!SEP10Vectors.server.description.contains(SEP10Vectors.shared.server_seed))
        #expect(throws: StrKeyError.wrongKind(found: .accountID, expected: .secretSeed)) {
            try StellarSigningKey(seed: SEP10Vectors.shared.server_account)
        }
        #expect(try StellarSigningKey(seed: SEP10Vectors.shared.server_seed + "\n").accountID == SEP10Vectors.server.accountID)
    }

    @Test("a challenge is byte for byte what the SDK builds and signs for the same time and nonce", arguments: SEP10Vectors.of(kind: "challenge"))
    func challengeMatchesTheSDK(vector: SEP10Vectors.Vector) throws {
        let nonceText = try #require(vector.nonce)
        let nonce = Array(try #require(Data(base64Encoded: nonceText)))
        let envelope = try Self.service(vector).challenge(
            for: Self.client, homeDomain: try #require(vector.home_domain), now: try #require(vector.min_time), nonce: nonce)
        #expect(envelope.base64 == vector.envelope)
    }

    @Test("a challenge the client signed is accepted within its time bounds", arguments: SEP10Vectors.of(kind: "signed"))
    func signedChallengeVerifies(vector: SEP10Vectors.Vector) throws {
        let envelope = try StellarXDR.Envelope(base64: vector.envelope)
        for now in [try #require(vector.min_time), try #require(vector.max_time), try #require(vector.min_time) - 100] {
            let verified = try Self.service(vector).verify(envelope, now: now)
            #expect(verified.account == Self.client)
            #expect(verified.homeDomain == vector.home_domain)
            #expect(verified.nonce == vector.nonce)
            #expect(verified.hashHex == vector.hash)
            #expect(verified.expiresAt == vector.max_time)
        }
    }

    /// The first signed vector and a way to re-sign a changed copy of its transaction.
    static let signed = SEP10Vectors.of(kind: "signed")[0]

    static func envelope(_ change: (inout StellarXDR.Envelope) -> Void = { _ in }) -> StellarXDR.Envelope {
        var envelope = (try? StellarXDR.Envelope(base64: signed.envelope)) ?? StellarXDR.Envelope(transaction: .init(
            source: .account(client), fee: 0, sequence: 0, timeBounds: nil, memo: .none, operations: []))
        change(&envelope)
        return envelope
    }

    /// `transaction` signed by the server and then by `signers`.
    static func resigned(_ change: (inout StellarXDR.Transaction) -> Void, signers: [StellarSigningKey] = [SEP10Vectors.client])
        -> StellarXDR.Envelope
    {
        var transaction = envelope().transaction
        change(&transaction)
        let hash = transaction.hash(network: signed.network)
        return StellarXDR.Envelope(
            transaction: transaction, signatures: ([SEP10Vectors.server] + signers).map { $0.decoratedSignature(for: hash) })
    }

    static let now = (signed.min_time ?? 0) + 10

    @Test("refusals: each broken rule is named, as a request to fix (400) or a sign-in to restart (401)", arguments: [
        ("expired", envelope(), (signed.max_time ?? 0) + 1, ChallengeError.Kind.expired, "expired"),
        ("not yet valid", envelope(), (signed.min_time ?? 0) - 301, .invalid, "not valid until"),
        ("unsigned by the client", envelope { $0.signatures.removeLast() }, now, .invalid, "is not signed by G"),
        ("unsigned by the server", envelope { $0.signatures.removeFirst() }, now, .invalid, "not signed by this server"),
        ("signed twice by the client", envelope { $0.signatures.append($0.signatures[1]) }, now, .invalid, "more than once"),
        ("signed by a stranger too", resigned({ _ in }, signers: [SEP10Vectors.client, SEP10Vectors.other]), now, .invalid,
         "neither the server's nor a valid one"),
        ("signed by a stranger instead", resigned({ _ in }, signers: [SEP10Vectors.other]), now, .invalid, "neither the server's"),
        ("a changed nonce breaks the server's signature",
         envelope { $0.transaction.operations[0].manageData.value = Array(String(repeating: "A", count: 64).utf8) }, now, .invalid,
         "not signed by this server"),
        ("sequence not 0", resigned { $0.sequence = 1 }, now, .invalid, "sequence number 0"),
        ("no time bounds", resigned { $0.timeBounds = nil }, now, .invalid, "time bounds"),
        ("a memo", resigned { $0.memo = .id(1) }, now, .invalid, "no memo"),
        ("another home domain", resigned { $0.operations[0].manageData.name = Array("evil.org auth".utf8) }, now, .invalid,
         "not \"<home domain> auth\""),
        ("a short nonce", resigned { $0.operations[0].manageData.value = Array("AAAA".utf8) }, now, .invalid, "48-byte nonce"),
        ("a muxed client", resigned { $0.operations[0].source = .muxed(MuxedAccount(accountID: client, id: 5)) }, now, .invalid,
         "muxed accounts"),
        ("another web_auth_domain", resigned { $0.operations[1].manageData.value = Array("evil.org".utf8) }, now, .invalid,
         "web_auth_domain is not"),
        ("no web_auth_domain", resigned { $0.operations.removeLast() }, now, .invalid, "no web_auth_domain"),
        ("an extra operation",
         resigned { $0.operations.append(.init(source: .account(SEP10Vectors.server.accountID), manageData: .init(name: Array("client_domain".utf8), value: nil))) },
         now, .invalid, "not one this server issues"),
        ("a client-sourced second operation", resigned { $0.operations[1].source = .account(client) }, now, .invalid,
         "server's account as source"),
        ("another source account", resigned { $0.source = .account(client) }, now, .invalid, "source account is"),
    ])
    func refusals(_ name: String, envelope: StellarXDR.Envelope, now: UInt64, kind: ChallengeError.Kind, message: String) {
        let error = #expect(throws: ChallengeError.self) { try Self.service(Self.signed).verify(envelope, now: now) }
        #expect(error?.kind == kind, "\(name)")
        #expect(error?.message.contains(message) == true, "\(name): \(error?.message ?? "")")
        #expect(error?.status == (kind == .invalid ? 400 : 401))
    }

    @Test("a challenge for another network or from another server key is not this server's")
    func otherNetworkOrKey() {
        let envelope = Self.envelope()
        let otherNetwork = Self.service(Self.signed, network: .publicNetwork)
        #expect(throws: ChallengeError.self) { try otherNetwork.verify(envelope, now: Self.now) }
        let otherKey = Self.service(Self.signed, key: SEP10Vectors.other)
        #expect(throws: ChallengeError.self) { try otherKey.verify(envelope, now: Self.now) }
    }

    @Test("a fresh challenge signed by the client verifies, for each served home domain")
    func buildThenVerify() throws {
        let service = WebAuthService(
            signingKey: SEP10Vectors.server, network: .testNetwork, challengeLifetime: 300,
            webAuthDomains: ["example.org": "example.org", "example.net": "auth.example.net"])
        for home in ["example.org", "example.net"] {
            var envelope = try service.challenge(for: Self.client, homeDomain: home, now: 1000, nonce: Array(repeating: 7, count: 48))
            envelope.signatures.append(SEP10Vectors.client.decoratedSignature(for: envelope.transaction.hash(network: .testNetwork)))
            #expect(try service.verify(envelope, now: 1200).homeDomain == home)
            #expect(throws: ChallengeError.self) { try service.verify(envelope, now: 1301) }
        }
        #expect(throws: ChallengeError.self) {
            try service.challenge(for: Self.client, homeDomain: "example.com", now: 1000, nonce: Array(repeating: 7, count: 48))
        }
    }

    // MARK: Tokens

    static let secret = Array("fedns test secret, 32 bytes long!!".utf8)
    static let token = WebAuthToken(
        issuer: "https://example.org/auth", subject: client, audience: "example.org", issuedAt: 1_700_000_000,
        expiresAt: 1_700_003_600, id: "efc79facc57322bb70513a672e9ebf8d627a0395d743b0fc4af9ff00e4d643a2")
    /// Computed with Python's hmac and base64 modules over the same claims: an implementation independent of ours.
    static let pythonToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUub3JnL2F1dGgiLCJzdWIiOiJHQjY0RVNLNUU3VklITEQzTEFLTjRGUDVXTExLNTdBN1RTVFZGV0tGVlhUVjdMS1JaQ0NHQkozSiIsImF1ZCI6ImV4YW1wbGUub3JnIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDAsImp0aSI6ImVmYzc5ZmFjYzU3MzIyYmI3MDUxM2E2NzJlOWViZjhkNjI3YTAzOTVkNzQzYjBmYzRhZjlmZjAwZTRkNjQzYTIifQ.eAOsUoYC6aQ-JliWVOLVQ8_Q3peC9vfpG62oTGWxN80"

    static let issuer: @Sendable (String) -> String? = { $0 == "example.org" ? "https://example.org/auth" : nil }

    @Test("HS256 tokens are what an independent implementation computes, and verify back")
    func tokenBytes() throws {
        let signer = try WebTokenSigner(secret: Self.secret)
        #expect(signer.sign(Self.token) == Self.pythonToken)
        #expect(try signer.verify(Self.pythonToken, now: 1_700_000_100, issuer: Self.issuer) == Self.token)
        #expect(!signer.description.contains("fedns test secret"))
    }

    static func tampered(_ part: Int, _ change: (String) -> String) -> String {
        var parts = pythonToken.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[part] = change(parts[part])
        return parts.joined(separator: ".")
    }

    @Test("tokens are refused when forged, altered, expired, early or for another audience", arguments: [
        ("expired", pythonToken, UInt64(1_700_003_600), TokenError.expired),
        ("issued in the future", pythonToken, UInt64(1_699_999_000), .notYetValid),
        ("alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + pythonToken.split(separator: ".")[1] + ".", 1_700_000_100,
         .wrongAlgorithm("none")),
        ("another MAC", tampered(2) { "A" + $0.dropFirst() }, 1_700_000_100, .badSignature),
        ("altered claims", tampered(1) { payload in
            var characters = Array(payload)
            characters[40] = characters[40] == "A" ? "B" : "A"
            return String(characters)
        }, 1_700_000_100, .badSignature),
        ("two parts", tampered(2) { _ in "" }.dropLast().description, 1_700_000_100, .malformed("a token is three base64url parts separated by dots")),
        ("not base64url", "a.b+c.d", 1_700_000_100, .malformed("a token is three base64url parts separated by dots")),
    ])
    func tokenRefusals(_ name: String, token: String, now: UInt64, expected: TokenError) throws {
        let signer = try WebTokenSigner(secret: Self.secret)
        #expect(throws: expected, "\(name)") { try signer.verify(token, now: now, issuer: Self.issuer) }
    }

    @Test("another secret, another audience, a short secret")
    func tokenKeys() throws {
        let other = try WebTokenSigner(secret: Array(repeating: 1, count: 32))
        #expect(throws: TokenError.badSignature) { try other.verify(Self.pythonToken, now: 1_700_000_100, issuer: Self.issuer) }
        let signer = try WebTokenSigner(secret: Self.secret)
        #expect(throws: TokenError.wrongAudience("example.org")) {
            try signer.verify(Self.pythonToken, now: 1_700_000_100) { _ in nil }
        }
        #expect(throws: TokenError.wrongAudience("example.org")) {
            try signer.verify(Self.pythonToken, now: 1_700_000_100) { _ in "https://other.org/auth" }
        }
        #expect(throws: TokenError.weakSecret(31)) { try WebTokenSigner(secret: Array(repeating: 1, count: 31)) }
    }

    // MARK: Requests

    static let service = WebAuthService(
        signingKey: SEP10Vectors.server, network: .testNetwork, challengeLifetime: 300,
        webAuthDomains: ["example.org": "example.org", "localhost:8443": "localhost:8443"])

    @Test("GET /auth queries", arguments: [
        ("account=\(SEP10Vectors.shared.client_account)", "example.org", 0, "example.org"),
        ("account=\(SEP10Vectors.shared.client_account)&home_domain=localhost:8443", "example.org", 0, "localhost:8443"),
        ("account=\(SEP10Vectors.shared.client_account)&home_domain=Example.ORG", nil, 0, "example.org"),
        ("account=\(SEP10Vectors.shared.client_account)", nil, 400, "home_domain is required"),
        ("", "example.org", 400, "account is required"),
        ("account=GABC", "example.org", 400, "not a Stellar account ID"),
        ("account=MB64ESK5E7VIHLD3LAKN4FP5WLLK57A7TSTVFWKFVXTV7LKRZCCGAAAAAAAAAAAAAWMJU", "example.org", 400, "muxed"),
        ("account=\(SEP10Vectors.shared.client_account)&memo=5", "example.org", 400, "memo is not supported"),
        ("account=\(SEP10Vectors.shared.client_account)&client_domain=w.org", "example.org", 400, "client_domain"),
        ("account=\(SEP10Vectors.shared.client_account)&home_domain=evil.org", "example.org", 400, "not served here"),
        ("account=a&account=b", "example.org", 400, "more than once"),
    ] as [(String, String?, Int, String)])
    func challengeRequests(query: String, host: String?, status: Int, expected: String) throws {
        do {
            let request = try WebAuthExchange.challengeRequest(
                query: query, hostDomain: host.map { Fixtures.domain($0) }, service: Self.service)
            #expect(status == 0)
            #expect(request.homeDomain == expected)
            #expect(request.account == Self.client)
        } catch {
            #expect(error.status == status)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("POST /auth bodies: JSON or a form, the transaction required and readable", arguments: [
        (#"{"transaction": "\#(signed.envelope)"}"#, "application/json", 0, ""),
        ("transaction=" + (signed.envelope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
         "application/x-www-form-urlencoded", 0, ""),
        (#"{"transaction": "\#(signed.envelope)"}"#, nil, 0, ""),
        ("{}", "application/json", 400, "transaction is required"),
        (#"{"transaction": {"not": "a string"}}"#, "application/json", 400, "must be a string"),
        (#"{"transaction": "AAAA"}"#, "application/json", 400, "cannot be read"),
        ("[1]", "application/json", 400, "not a JSON object"),
        ("transaction=%zz", "application/x-www-form-urlencoded", 400, "form body"),
        ("x", "multipart/form-data; boundary=x", 415, "application/json"),
    ] as [(String, String?, Int, String)])
    func postBodies(body: String, contentType: String?, status: Int, expected: String) {
        do {
            let envelope = try WebAuthExchange.postedChallenge(body: Array(body.utf8), contentType: contentType)
            #expect(status == 0)
            #expect(envelope.base64 == Self.signed.envelope)
        } catch {
            #expect(error.status == status)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("the replies are SEP-10's shapes")
    func replies() throws {
        let envelope = try StellarXDR.Envelope(base64: Self.signed.envelope)
        let challenge = WebAuthExchange.challengeReply(envelope, network: .testNetwork)
        #expect(challenge.status == 200)
        #expect(challenge.bodyText == #"{"transaction":"\#(Self.signed.envelope)","network_passphrase":"Test SDF Network ; September 2015"}"#)
        #expect(challenge.header("Content-Type") == "application/json; charset=utf-8")
        #expect(WebAuthExchange.tokenReply("a.b.c").bodyText == #"{"token":"a.b.c"}"#)
    }
}
