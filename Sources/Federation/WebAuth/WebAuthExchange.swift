/// SEP-10's two requests as values: what `GET /auth` and `POST /auth` carry, read and checked, and the replies.
/// The HTTP layer adds what needs the outside world: the clock, random nonces, the store that remembers used
/// nonces, and rate limits.
public enum WebAuthExchange {
    /// A valid `GET /auth?account=G…`: who asks, and for which home domain.
    public struct ChallengeRequest: Hashable, Sendable {
        public var account: AccountID
        public var homeDomain: String
    }

    /// Reads `GET /auth`'s query. `hostDomain` is the domain the request's `Host` named (nil on the `public_url`
    /// host); it is the home domain unless `home_domain` names another one served here.
    public static func challengeRequest(query: String, hostDomain: FederationDomain?, service: WebAuthService)
        throws(RefusedRequest) -> ChallengeRequest
    {
        let values: [String: String]
        do {
            values = try QueryParameters(rawQuery: query).uniqueValues()
        } catch {
            throw RefusedRequest(error.status, error.description)
        }
        guard let accountText = values["account"], !accountText.isEmpty else {
            throw RefusedRequest(400, "account is required: GET /auth?account=G… (the account that will sign the challenge)")
        }
        let account: AccountID
        do {
            account = try AccountID(accountText)
        } catch .wrongKind(found: .muxedAccount, _) {
            throw RefusedRequest(400, "muxed accounts (M…) cannot sign in here; use the G… account")
        } catch {
            throw RefusedRequest(400, "account is not a Stellar account ID: \(error)")
        }
        if values["memo"] != nil { throw RefusedRequest(400, "memo is not supported: addresses belong to whole accounts here") }
        if values["client_domain"] != nil {
            throw RefusedRequest(400, "client_domain is not supported: this server verifies the account alone")
        }
        let homeDomain: String
        if let requested = values["home_domain"] {
            guard let domain = try? FederationDomain(requested), service.webAuthDomains[domain.description] != nil else {
                throw RefusedRequest(400, "home_domain \"\(requested.prefix(100))\" is not served here; served: \(served(service))")
            }
            homeDomain = domain.description
        } else if let hostDomain, service.webAuthDomains[hostDomain.description] != nil {
            homeDomain = hostDomain.description
        } else if service.webAuthDomains.count == 1, let only = service.webAuthDomains.keys.first {
            homeDomain = only
        } else {
            throw RefusedRequest(400, "home_domain is required on this host; served: \(served(service))")
        }
        return ChallengeRequest(account: account, homeDomain: homeDomain)
    }

    private static func served(_ service: WebAuthService) -> String {
        service.webAuthDomains.keys.sorted().joined(separator: ", ")
    }

    /// 200 `{"transaction": …, "network_passphrase": …}`.
    public static func challengeReply(_ envelope: StellarXDR.Envelope, network: StellarNetwork) -> FederationResponse {
        FederationResponse(
            status: 200, json: .object([("transaction", .string(envelope.base64)), ("network_passphrase", .string(network.passphrase))]),
            style: .compact)
    }

    /// The challenge in `POST /auth`'s body (`transaction`, as JSON or a form).
    public static func postedChallenge(body: [UInt8], contentType: String?) throws(RefusedRequest) -> StellarXDR.Envelope {
        let fields = try RequestFields.parse(body, contentType: contentType)
        guard let transaction = fields["transaction"], !transaction.isEmpty else {
            throw RefusedRequest(400, "transaction is required: the challenge from GET /auth, signed by the account, base64 XDR")
        }
        do {
            return try StellarXDR.Envelope(base64: transaction)
        } catch {
            throw RefusedRequest(400, "transaction cannot be read: \(error)")
        }
    }

    /// 200 `{"token": …}`.
    public static func tokenReply(_ token: String) -> FederationResponse {
        FederationResponse(status: 200, json: .object([("token", .string(token))]), style: .compact)
    }
}
