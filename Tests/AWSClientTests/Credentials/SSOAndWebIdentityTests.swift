import Crypto
import FednsSupport
import Foundation
import Synchronization
import Testing

@testable import AWSClient

/// IAM Identity Center and web identity against stand-ins on loopback that follow the published APIs: the SSO
/// portal's `GET /federation/credentials`, SSO-OIDC's `POST /token`, STS's `AssumeRoleWithWebIdentity`.
@Suite("SSO and web identity credentials")
struct SSOAndWebIdentityTests {
    static let config = """
        [profile corp]
        sso_session = corp-login
        sso_account_id = 111122223333
        sso_role_name = ReadOnly
        region = eu-west-1

        [sso-session corp-login]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        [profile legacy]
        sso_start_url = https://old.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 444455556666
        sso_role_name = Admin

        [profile half]
        sso_session = corp-login
        sso_account_id = 111122223333

        [profile lost]
        sso_session = nowhere
        sso_account_id = 1
        sso_role_name = R
        """

    static func sha1(_ text: String) -> String {
        Insecure.SHA1.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the cache entry `aws sso login` would, for a session name or a start URL.
    static func writeToken(_ home: TestHome, key: String, token: String, expires: Date, refresh: Bool = true) throws {
        var fields: [String: String] = [
            "startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": token,
            "expiresAt": ISO8601.format(expires),
        ]
        if refresh {
            fields["refreshToken"] = "refresh-1"
            fields["clientId"] = "client"
            fields["clientSecret"] = "client-secret"
            fields["registrationExpiresAt"] = ISO8601.format(Date().addingTimeInterval(86400 * 30))
        }
        let data = try JSONSerialization.data(withJSONObject: fields)
        try home.write(".aws/sso/cache/\(sha1(key)).json", String(decoding: data, as: UTF8.self))
    }

    /// The portal and OIDC services: role credentials for `valid-token` (and `fresh-token`), new tokens for the
    /// refresh token.
    static let portal: StubHTTPServer.Handler = { request in
        if request.method == "POST", request.path == "/token" {
            guard request.bodyText.contains("\"refreshToken\":\"refresh-1\""), request.bodyText.contains("\"grantType\":\"refresh_token\"") else {
                return .respond(status: 400, body: #"{"error":"invalid_grant"}"#)
            }
            return .ok(#"{"accessToken":"fresh-token","expiresIn":28800,"refreshToken":"refresh-2","tokenType":"Bearer"}"#)
        }
        guard request.method == "GET", request.path == "/federation/credentials" else { return .respond(status: 404) }
        guard let token = request.header("x-amz-sso_bearer_token"), token == "valid-token" || token == "fresh-token" else {
            return .respond(status: 401, body: #"{"message":"Session token not found or invalid"}"#)
        }
        guard request.uri.contains("role_name=ReadOnly"), request.uri.contains("account_id=111122223333") else {
            return .respond(status: 403, body: #"{"message":"No access"}"#)
        }
        let expiration = Int((Date().timeIntervalSince1970 + 3600) * 1000)
        return .ok(
            #"{"roleCredentials":{"accessKeyId":"ASIASSO\#(token.prefix(5))","secretAccessKey":"sso-secret","sessionToken":"sso-session","expiration":\#(expiration)}}"#)
    }

    /// The home's environment with the portal and OIDC endpoints on the stand-in.
    private func environment(_ home: TestHome, _ server: StubHTTPServer) -> AWSEnvironment {
        home.environment(["AWS_ENDPOINT_URL_SSO": server.baseURL, "AWS_ENDPOINT_URL_SSO_OIDC": server.baseURL])
    }

    private func credentials(_ home: TestHome, _ server: StubHTTPServer, profile: String) async throws -> AWSCredentials {
        try await withSession(environment(home, server)) { session in
            try await session.credentialProvider(profile: profile).credentials()
        }
    }

    private func failure(_ home: TestHome, _ server: StubHTTPServer, profile: String) async -> String {
        await withSessionError(environment(home, server), profile: profile)
    }

    @Test("sso_session: the cached token is traded for the role's credentials, which expire and so are refreshed")
    func ssoSession() async throws {
        try await withTestHome { home in
            try home.config(Self.config)
            try Self.writeToken(home, key: "corp-login", token: "valid-token", expires: Date().addingTimeInterval(3600))
            try await StubHTTPServer.with(Self.portal) { server in
                let credentials = try await credentials(home, server, profile: "corp")
                #expect(credentials.accessKeyID == "ASIASSOvalid")
                #expect(credentials.sessionToken == "sso-session")
                let expiration = try #require(credentials.expiration)
                #expect(abs(expiration.timeIntervalSinceNow - 3600) < 60)
                #expect(server.requests.map(\.path) == ["/federation/credentials"])
            }
        }
    }

    @Test("a token about to expire is refreshed with the OIDC service and written back to the cache")
    func refresh() async throws {
        try await withTestHome { home in
            try home.config(Self.config)
            try Self.writeToken(home, key: "corp-login", token: "old-token", expires: Date().addingTimeInterval(120))
            try await StubHTTPServer.with(Self.portal) { server in
                let credentials = try await credentials(home, server, profile: "corp")
                #expect(credentials.accessKeyID == "ASIASSOfresh")
                #expect(server.requests.map(\.path) == ["/token", "/federation/credentials"])
                let cache = try String(contentsOfFile: "\(home.path)/.aws/sso/cache/\(Self.sha1("corp-login")).json", encoding: .utf8)
                #expect(cache.contains("\"accessToken\":\"fresh-token\"") && cache.contains("\"refreshToken\":\"refresh-2\""))
                #expect(cache.contains("\"clientId\":\"client\""))  // the rest of the entry is kept
            }
        }
    }

    @Test("an expired login says to run aws sso login for the profile")
    func expired() async throws {
        try await withTestHome { home in
            try home.config(Self.config)
            // The legacy form's cache is keyed by the start URL, and cannot be refreshed.
            try Self.writeToken(
                home, key: "https://old.awsapps.com/start", token: "valid-token", expires: Date().addingTimeInterval(-60), refresh: false)
            try await StubHTTPServer.with(Self.portal) { server in
                let message = await failure(home, server, profile: "legacy")
                #expect(message.contains("expired at"))
                #expect(message.contains("run `aws sso login --profile legacy`"))
                #expect(server.requests.isEmpty)
                // A refresh the OIDC service refuses ends the same way once the token is past its time.
                try Self.writeToken(home, key: "corp-login", token: "old", expires: Date().addingTimeInterval(-60))
                try home.write(
                    ".aws/sso/cache/\(Self.sha1("corp-login")).json",
                    try String(contentsOfFile: "\(home.path)/.aws/sso/cache/\(Self.sha1("corp-login")).json", encoding: .utf8)
                        .replacingOccurrences(of: "refresh-1", with: "revoked"))
                #expect(await failure(home, server, profile: "corp").contains("run `aws sso login --profile corp`"))
            }
        }
    }

    @Test("no cache, a cache that is not JSON, a token the portal refuses, a role not assigned, incomplete profiles")
    func badInput() async throws {
        try await withTestHome { home in
            try home.config(Self.config.replacingOccurrences(of: "sso_role_name = Admin", with: "sso_role_name = Admin\n"))
            try await StubHTTPServer.with(Self.portal) { server in
                let missing = await failure(home, server, profile: "corp")
                #expect(missing.contains("no IAM Identity Center login is cached") && missing.contains("aws sso login --profile corp"))
                let path = try home.write(".aws/sso/cache/\(Self.sha1("corp-login")).json", "{not json")
                let garbled = await failure(home, server, profile: "corp")
                #expect(garbled.contains("\(path) is not a JSON object"))
                try Self.writeToken(home, key: "corp-login", token: "forged", expires: Date().addingTimeInterval(3600))
                let refused = await failure(home, server, profile: "corp")
                #expect(refused.contains("HTTP 401") && refused.contains("aws sso login --profile corp"))
                #expect(!refused.contains("forged"))  // the token is a secret
                #expect(await failure(home, server, profile: "half").contains("has no sso_role_name"))
                #expect(await failure(home, server, profile: "lost").contains("no [sso-session nowhere] section"))
            }
        }
    }

    @Test("a role not assigned to the user is said as such")
    func forbidden() async throws {
        try await withTestHome { home in
            try home.config(Self.config.replacingOccurrences(of: "sso_role_name = ReadOnly", with: "sso_role_name = Admin"))
            try Self.writeToken(home, key: "corp-login", token: "valid-token", expires: Date().addingTimeInterval(3600))
            try await StubHTTPServer.with(Self.portal) { server in
                let message = await failure(home, server, profile: "corp")
                #expect(message.contains("refused role Admin in account 111122223333 (HTTP 403: No access)"))
            }
        }
    }

    // MARK: Web identity

    static let sts: StubHTTPServer.Handler = { request in
        guard request.bodyText.contains("Action=AssumeRoleWithWebIdentity"), request.header("Authorization") == nil else {
            return .respond(status: 400, body: "<ErrorResponse><Error><Code>Unexpected</Code><Message>signed or wrong</Message></Error></ErrorResponse>")
        }
        guard request.bodyText.contains("WebIdentityToken=oidc-token") else {
            return .respond(
                status: 400,
                body: "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad token</Message></Error></ErrorResponse>")
        }
        let role = request.bodyText.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci") ? "CI" : "OTHER"
        let expiration = ISO8601.format(Date().addingTimeInterval(3600))
        return .ok(
            """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <Credentials><AccessKeyId>ASIAWEB\(role)</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>
                <SessionToken>web-session</SessionToken><Expiration>\(expiration)</Expiration></Credentials>
                <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/ci/x</Arn></AssumedRoleUser>
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """)
    }

    @Test("AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, unsigned, the token read from the file")
    func webIdentityEnvironment() async throws {
        try await withTestHome { home in
            let token = try home.write("token", "oidc-token\n")
            try await StubHTTPServer.with(Self.sts) { server in
                let variables = [
                    "AWS_ENDPOINT_URL_STS": server.baseURL, "AWS_WEB_IDENTITY_TOKEN_FILE": token,
                    "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/ci", "AWS_ROLE_SESSION_NAME": "pipeline", "AWS_REGION": "eu-west-1",
                ]
                let credentials = try await withSession(home.environment(variables)) { session in
                    try await session.credentialProvider().credentials()
                }
                #expect(credentials.accessKeyID == "ASIAWEBCI" && credentials.expiration != nil)
                #expect(server.requests.first?.bodyText.contains("RoleSessionName=pipeline") == true)
                // Only half of it set is an error, not a silent fall-through to another identity.
                let half = await withSessionError(home.environment(["AWS_ROLE_ARN": "arn:aws:iam::1:role/x"]))
                #expect(half.contains("AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not"))
                let unreadable = await withSessionError(
                    home.environment(["AWS_ROLE_ARN": "arn:aws:iam::1:role/x", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token"]))
                #expect(unreadable.contains("/nonexistent/token cannot be read"))
            }
        }
    }

    @Test("a profile with role_arn and web_identity_token_file; a refused token names the role and the file")
    func webIdentityProfile() async throws {
        try await withTestHome { home in
            let good = try home.write("good-token", "oidc-token")
            let bad = try home.write("bad-token", "something-else")
            try home.config(
                """
                [profile ci]
                role_arn = arn:aws:iam::111122223333:role/ci
                web_identity_token_file = \(good)

                [profile stale]
                role_arn = arn:aws:iam::111122223333:role/ci
                web_identity_token_file = \(bad)
                """)
            try await StubHTTPServer.with(Self.sts) { server in
                let environment = home.environment(["AWS_ENDPOINT_URL_STS": server.baseURL])
                let credentials = try await withSession(environment) { session in
                    try await session.credentialProvider(profile: "ci").credentials()
                }
                #expect(credentials.accessKeyID == "ASIAWEBCI")
                let message = await withSessionError(environment, profile: "stale")
                #expect(message.contains("assuming arn:aws:iam::111122223333:role/ci with the web identity token of \(bad) failed"))
                #expect(message.contains("InvalidIdentityToken") && message.contains("trust policy"))
            }
        }
    }

    private func withSessionError(_ environment: AWSEnvironment, profile: String? = nil) async -> String {
        do {
            _ = try await withSession(environment) { session in try await session.credentialProvider(profile: profile).credentials() }
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}
