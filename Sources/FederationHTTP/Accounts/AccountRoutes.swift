import AddressBook
import Federation
import Foundation
import HTTPTypes
import Logging
import NIOCore

/// SEP-10 sign-in (`/auth`) and self-service records (`/federation/records`): the routes whose answers need the
/// request body, the clock, fresh randomness and the store, so they are answered in Hummingbird's task, never on
/// the fast path (``SiteRequestAnswerer/defers(method:uri:)``). The protocol itself is the Federation core's
/// (``WebAuthService``, ``WebAuthExchange``, ``RecordsExchange``, ``SelfServicePolicy``); this type orders the steps,
/// applies the rate limits, talks to the store and logs each change with its account (never the token).
///
/// Statuses: 400 for a request to fix, 401 for a missing, bad or expired token and for an expired or replayed
/// challenge, 403 for what the token's account may not do (release another's address, a reserved name, a full
/// quota without `replace_earlier`, another domain), 404 for an unknown domain or address, 409 for a name another
/// account holds, 429 with `Retry-After` past a rate limit, 503 when the store cannot be reached.
final class AccountRoutes: Sendable {
    enum Route: Equatable {
        case auth
        /// `/federation/records`, or `/federation/records/NAME*DOMAIN` with that last segment.
        case records(Substring?)
    }

    let service: WebAuthService
    private let tokens: WebTokenSigner
    private let tokenLifetime: UInt64
    let policy: SelfServicePolicy
    private let publicURL: HTTPSURL?
    private let domains: Set<FederationDomain>
    private let mirror: AddressBookMirror
    private let perIP: RequestLimiter
    private let perAccount: RequestLimiter
    private let logger: Logger
    private let now: @Sendable () -> Double
    private let randomBytes: @Sendable (Int) -> [UInt8]

    init(
        options: FederationSiteOptions, auth: WebAuthOptions, keys: AccountKeys, mirror: AddressBookMirror, logger: Logger,
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        randomBytes: @escaping @Sendable (Int) -> [UInt8] = AccountRoutes.systemRandomBytes
    ) {
        var webAuthDomains: [String: String] = [:]
        for domain in options.domains {
            webAuthDomains[domain.description] = WebAuthEndpoint.domain(for: domain, publicURL: options.publicURL)
        }
        service = WebAuthService(
            signingKey: keys.signingKey, network: StellarNetwork(passphrase: auth.networkPassphrase),
            challengeLifetime: UInt64(auth.challengeLifetime), webAuthDomains: webAuthDomains)
        tokens = keys.tokens
        tokenLifetime = UInt64(auth.tokenLifetime)
        policy = options.selfService
        publicURL = options.publicURL
        domains = Set(options.domains)
        self.mirror = mirror
        perIP = RequestLimiter(perMinute: auth.requestsPerMinutePerIP)
        perAccount = RequestLimiter(perMinute: auth.requestsPerMinutePerAccount)
        self.logger = logger
        self.now = now
        self.randomBytes = randomBytes
    }

    /// Nonces from the system's cryptographic generator (`getrandom` on Linux).
    static func systemRandomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// What stellar.toml publishes for this service.
    var discoveryKeys: StellarToml.WebAuthKeys {
        StellarToml.WebAuthKeys(signingKey: service.signingKey.accountID, network: service.network)
    }

    /// The methods each route answers (besides OPTIONS), for `Allow` and preflights.
    static func allowedMethods(_ route: Route) -> String {
        switch route {
        case .auth: "GET, HEAD, POST, OPTIONS"
        case .records(nil): "GET, HEAD, OPTIONS"
        case .records: "PUT, DELETE, OPTIONS"
        }
    }

    /// The answer to `request`, admitted by the site's `Host` rule as `host`, from `client`. `body` reads the request
    /// body (at most ``RequestFields/maximumBodyBytes``); it is called only by the routes that take one.
    func respond(
        to request: HTTPRequest, route: Route, host: FederationSite.Host, client: SocketAddress?,
        body: @Sendable () async throws -> ByteBuffer
    ) async -> SiteResponse {
        let clientKey = RequestLimiter.clientKey(client)
        do {
            try limit(perIP, clientKey, what: "from your address")
            switch (route, request.method) {
            case (.auth, .get), (.auth, .head):
                return try challenge(request, host: host)
            case (.auth, .post):
                return try await token(try await read(body), contentType: request.headerFields[.contentType], client: clientKey)
            case (.records(nil), .get), (.records(nil), .head):
                return try await list(request)
            case (.records(let segment?), .put):
                return try await claim(segment, request: request, body: try await read(body), client: clientKey)
            case (.records(let segment?), .delete):
                return try await release(segment, request: request, client: clientKey)
            default:
                return .error(
                    .methodNotAllowed, "\(request.method) is not supported here", headers: [.allow: Self.allowedMethods(route)])
            }
        } catch {
            return SiteResponse(error.response)
        }
    }

    // MARK: SEP-10

    private func challenge(_ request: HTTPRequest, host: FederationSite.Host) throws(RefusedRequest) -> SiteResponse {
        let query = RequestTarget(request.path ?? "/").query.map(String.init) ?? ""
        let hostDomain: FederationDomain? = if case .domain(let documents) = host { documents.domain } else { nil }
        // Only the per-address limit here: anyone may ask for a challenge naming any account, so counting these
        // against the account would let a stranger lock its owner out. The account's own limit starts once it has
        // proven itself (a signed challenge, a token).
        let asked = try WebAuthExchange.challengeRequest(query: query, hostDomain: hostDomain, service: service)
        let envelope: StellarXDR.Envelope
        do {
            envelope = try service.challenge(
                for: asked.account, homeDomain: asked.homeDomain, now: UInt64(now()), nonce: randomBytes(WebAuthService.nonceBytes))
        } catch {
            throw RefusedRequest(error.status, error.message)
        }
        return SiteResponse(WebAuthExchange.challengeReply(envelope, network: service.network))
    }

    private func token(_ body: [UInt8], contentType: String?, client: String) async throws(RefusedRequest) -> SiteResponse {
        let envelope = try WebAuthExchange.postedChallenge(body: body, contentType: contentType)
        let time = now()
        let verified: VerifiedChallenge
        do {
            verified = try service.verify(envelope, now: UInt64(time))
        } catch {
            throw RefusedRequest(error.status, error.message)
        }
        try limit(perAccount, verified.account.description, what: "for this account")
        let fresh: Bool
        do {
            fresh = try await mirror.store.consumeNonce(
                verified.nonce, expiresAt: Date(timeIntervalSince1970: Double(verified.expiresAt)), now: Date(timeIntervalSince1970: time))
        } catch {
            throw unavailable(error)
        }
        guard fresh else {
            throw RefusedRequest(401, "this challenge has been used already; request a new one with GET /auth")
        }
        let issuedAt = UInt64(time)
        guard let domain = try? FederationDomain(verified.homeDomain) else {
            throw RefusedRequest(400, "\(verified.homeDomain) is not a domain")
        }
        let token = WebAuthToken(
            issuer: WebAuthEndpoint.url(for: domain, publicURL: publicURL).description, subject: verified.account,
            audience: verified.homeDomain, issuedAt: issuedAt, expiresAt: issuedAt + tokenLifetime, id: verified.hashHex)
        logger.info("signed in (SEP-10)", metadata: ["account": "\(verified.account)", "domain": "\(verified.homeDomain)", "client": "\(client)"])
        return SiteResponse(WebAuthExchange.tokenReply(tokens.sign(token)))
    }

    // MARK: Self-service records

    private func list(_ request: HTTPRequest) async throws(RefusedRequest) -> SiteResponse {
        let token = try authorize(request)
        let domain = try servedDomain(token.audience)
        let query = RequestTarget(request.path ?? "/").query.map(String.init) ?? ""
        let values: [String: String]
        do {
            values = try QueryParameters(rawQuery: query).uniqueValues()
        } catch {
            throw RefusedRequest(error.status, error.description)
        }
        if let asked = values["account"], asked != token.subject.description {
            throw RefusedRequest(403, "this token is for \(token.subject); it lists that account's addresses only")
        }
        do {
            let records = try await mirror.store.addresses(of: token.subject, in: domain).map(\.record)
            return SiteResponse(RecordsExchange.listReply(account: token.subject, records: records))
        } catch {
            throw unavailable(error)
        }
    }

    private func claim(_ segment: Substring, request: HTTPRequest, body: [UInt8], client: String) async throws(RefusedRequest)
        -> SiteResponse
    {
        let (token, address) = try authorize(request, for: segment)
        do {
            try policy.check(address.name)
        } catch {
            throw RefusedRequest(error.status, error.description)
        }
        let memo = try RecordsExchange.claimMemo(body: body, contentType: request.headerFields[.contentType])
        let record = AddressRecord(address: address, accountID: token.subject, memo: memo)
        let result: ClaimResult
        do {
            result = try await mirror.store.claim(
                record, limits: ClaimLimits(maxPerAccount: policy.maxPerAccount, replaceEarlier: policy.replaceEarlier))
        } catch {
            throw unavailable(error)
        }
        switch result {
        case .added(let replaced):
            await changed("claimed", record, client: client, replaced: replaced)
            return SiteResponse(RecordsExchange.recordReply(record, created: true, replaced: replaced))
        case .updated:
            await changed("updated", record, client: client)
            return SiteResponse(RecordsExchange.recordReply(record, created: false))
        case .unchanged:
            return SiteResponse(RecordsExchange.recordReply(record, created: false))
        case .heldByAnother:
            throw RefusedRequest(409, "\(address) is held by another account; choose another name")
        case .limitReached(let held):
            let names = held.map(\.address.description).joined(separator: ", ")
            throw RefusedRequest(
                403, "this account holds \(held.count) of the \(policy.maxPerAccount) addresses allowed in \(address.domain) (\(names)); release one first")
        }
    }

    private func release(_ segment: Substring, request: HTTPRequest, client: String) async throws(RefusedRequest) -> SiteResponse {
        let (token, address) = try authorize(request, for: segment)
        let result: ReleaseResult
        do {
            result = try await mirror.store.release(address, by: token.subject)
        } catch {
            throw unavailable(error)
        }
        switch result {
        case .released(let record):
            await changed("released", record, client: client)
            return SiteResponse(RecordsExchange.releasedReply(record.address))
        case .notFound:
            throw RefusedRequest(404, "\(address) is not in the address book")
        case .heldByAnother:
            throw RefusedRequest(403, "\(address) belongs to another account; only its account can release it")
        }
    }

    /// The token, checked, for a request about the address in `segment`: self-service on, the address's domain
    /// served and the one the token was issued for.
    private func authorize(_ request: HTTPRequest, for segment: Substring) throws(RefusedRequest) -> (WebAuthToken, StellarAddress) {
        let token = try authorize(request)
        let address = try RecordsExchange.address(fromPathSegment: segment)
        _ = try servedDomain(address.domain.description)
        guard token.audience == address.domain.description else {
            throw RefusedRequest(
                403, "this token was issued for \(token.audience); sign in with \(address.domain)'s /auth to change its addresses")
        }
        return (token, address)
    }

    /// The bearer token, checked, once self-service is known to be on; then the account's rate limit.
    private func authorize(_ request: HTTPRequest) throws(RefusedRequest) -> WebAuthToken {
        guard policy.enabled else {
            throw RefusedRequest(404, "self-service addresses are not enabled on this server ([federation.self_service])")
        }
        let text = try RecordsExchange.bearerToken(request.headerFields[.authorization])
        let token: WebAuthToken
        do {
            token = try tokens.verify(text, now: UInt64(now())) { [publicURL, domains] audience in
                guard let domain = try? FederationDomain(audience), domains.contains(domain) else { return nil }
                return WebAuthEndpoint.url(for: domain, publicURL: publicURL).description
            }
        } catch {
            throw RecordsExchange.unauthorized(error)
        }
        try limit(perAccount, token.subject.description, what: "for this account")
        return token
    }

    private func servedDomain(_ text: String) throws(RefusedRequest) -> FederationDomain {
        guard let domain = try? FederationDomain(text), domains.contains(domain) else {
            throw RefusedRequest(404, "\(text.prefix(100)) is not a domain served here")
        }
        return domain
    }

    // MARK: Parts

    private func limit(_ limiter: RequestLimiter, _ key: String, what: String) throws(RefusedRequest) {
        if let wait = limiter.admit(key, now: now()) {
            throw RefusedRequest(
                429, "too many requests \(what) (\(limiter.perMinute) a minute); retry in \(wait) s",
                headers: [HeaderField("Retry-After", String(wait))])
        }
    }

    private func read(_ body: @Sendable () async throws -> ByteBuffer) async throws(RefusedRequest) -> [UInt8] {
        do {
            return Array(buffer: try await body())
        } catch {
            throw RefusedRequest(413, "the request body is larger than \(RequestFields.maximumBodyBytes) bytes")
        }
    }

    private func unavailable(_ error: any Error) -> RefusedRequest {
        logger.error("address book unavailable for self-service", metadata: ["error": "\(error)"])
        return RefusedRequest(503, "the address book cannot be reached right now; try again shortly", headers: [HeaderField("Retry-After", "5")])
    }

    /// Logs a change with its account (the token never reaches a log), then reloads the book so that lookups answer
    /// with it at once instead of at the next poll.
    private func changed(_ what: String, _ record: AddressRecord, client: String, replaced: [AddressRecord] = []) async {
        var metadata: Logger.Metadata = ["address": "\(record.address)", "account": "\(record.accountID)", "client": "\(client)"]
        if let memo = record.memo { metadata["memo"] = "\(memo)" }
        if !replaced.isEmpty { metadata["replaced"] = "\(replaced.map(\.address.description).joined(separator: ","))" }
        logger.notice("self-service address \(what)", metadata: metadata)
        do {
            try await mirror.refresh()
        } catch {
            logger.warning("address book not reloaded after a change; the next poll retries", metadata: ["error": "\(error)"])
        }
    }
}
