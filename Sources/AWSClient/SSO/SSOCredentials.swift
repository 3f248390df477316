import Crypto
import FednsSupport
import Logging
import NIOHTTP1
import Foundation

/// A profile that signs in with AWS IAM Identity Center (SSO): `sso_session` naming an `[sso-session NAME]`
/// section of the config file, or the legacy form with `sso_start_url` and `sso_region` in the profile itself.
///
/// fedns never signs in itself (that needs a browser): it reads the token `aws sso login` leaves in
/// `~/.aws/sso/cache/`, refreshes it with the OIDC service before it expires when the login allows it (the
/// `sso_session` form), and trades it for the role's credentials with `GetRoleCredentials`. When there is no usable
/// token the error says to run `aws sso login --profile X`.
struct SSOProfile: Sendable, Hashable {
    var profile: String
    /// The `sso-session` name, or nil for the legacy form (whose tokens cannot be refreshed).
    var session: String?
    var startURL: String
    var region: String
    var accountID: String
    var roleName: String

    /// Tokens are refreshed when they have less than this left, as the AWS CLI does.
    static let refreshWindow: TimeInterval = 15 * 60

    /// The profile's SSO settings; nil when it has none, an error when they are incomplete.
    static func read(profile: String, settings: [String: String], store: ProfileStore) throws(CredentialError) -> SSOProfile? {
        let label = "profile \"\(profile)\""
        let login = "run `aws configure sso --profile \(profile)`"
        var session: String?
        let startURL: String?
        let region: String?
        if let name = settings["sso_session"] {
            guard let section = store.configFile?.sections["sso-session \(name)"] else {
                throw CredentialError.failed(
                    source: label, problem: "names sso_session \"\(name)\", but \(store.configPath) has no [sso-session \(name)] section",
                    fix: "Add the section (sso_start_url, sso_region), or \(login).")
            }
            session = name
            startURL = section["sso_start_url"]
            region = section["sso_region"]
        } else if settings["sso_start_url"] != nil || settings["sso_account_id"] != nil {
            startURL = settings["sso_start_url"]
            region = settings["sso_region"]
        } else {
            return nil
        }
        let missing = [
            ("sso_start_url", startURL), ("sso_region", region), ("sso_account_id", settings["sso_account_id"]),
            ("sso_role_name", settings["sso_role_name"]),
        ].filter { $0.1?.isEmpty ?? true }.map(\.0)
        guard missing.isEmpty, let startURL, let region, let accountID = settings["sso_account_id"],
            let roleName = settings["sso_role_name"]
        else {
            throw CredentialError.failed(
                source: label, problem: "uses IAM Identity Center but has no \(missing.joined(separator: ", "))", fix: "Set them, or \(login).")
        }
        return SSOProfile(
            profile: profile, session: session, startURL: startURL, region: region, accountID: accountID, roleName: roleName)
    }

    /// `~/.aws/sso/cache/<SHA-1 of the session name, or of the start URL for the legacy form>.json`.
    func cachePath(_ environment: AWSEnvironment) -> String {
        let key = session ?? startURL
        let digest = Insecure.SHA1.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
        return environment.expandingTilde("~/.aws/sso/cache/\(digest).json")
    }

    var label: String { "profile \"\(profile)\"" }
    var loginAdvice: String { "To sign in again, run `aws sso login --profile \(profile)`." }

    /// The role's credentials, for the token in the cache (refreshed first when it is about to expire).
    func credentials(context: AWSContext, now: Date = Date()) async throws(CredentialError) -> AWSCredentials {
        let token = try await accessToken(context: context, now: now)
        return try await getRoleCredentials(token: token, context: context)
    }

    // MARK: The cached token

    func accessToken(context: AWSContext, now: Date) async throws(CredentialError) -> String {
        let path = cachePath(context.environment)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialError.failed(
                source: label, problem: "no IAM Identity Center login is cached (\(path) cannot be read)", fix: loginAdvice)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), var cache = object as? [String: Any] else {
            throw CredentialError.failed(source: label, problem: "the SSO token cache \(path) is not a JSON object", fix: loginAdvice)
        }
        guard let token = cache["accessToken"] as? String, !token.isEmpty,
            let expiresText = cache["expiresAt"] as? String, let expires = Self.parseTime(expiresText)
        else {
            throw CredentialError.failed(
                source: label, problem: "the SSO token cache \(path) has no accessToken or no valid expiresAt", fix: loginAdvice)
        }
        guard expires.timeIntervalSince(now) < Self.refreshWindow else { return token }
        // About to expire: the sso_session form can be refreshed without a browser.
        if session != nil, let refreshed = await refresh(&cache, context: context, now: now) {
            do {
                let written = try JSONSerialization.data(withJSONObject: cache, options: [.sortedKeys])
                try AtomicFile.write(written, to: path, permissions: 0o600, directoryPermissions: 0o700)
            } catch {
                context.logger.warning("cannot write the refreshed SSO token back", metadata: ["path": "\(path)", "error": "\(error)"])
            }
            return refreshed
        }
        guard expires > now else {
            throw CredentialError.failed(
                source: label,
                problem: "the IAM Identity Center login expired at \(ISO8601.format(expires)) (\(path))", fix: loginAdvice)
        }
        return token
    }

    /// `sso-oidc:CreateToken` with the refresh token; updates `cache` and returns the new access token, or nil
    /// when the cache cannot be refreshed (no refresh token, an expired client registration, a refusal).
    private func refresh(_ cache: inout [String: Any], context: AWSContext, now: Date) async -> String? {
        guard let refreshToken = cache["refreshToken"] as? String, let clientID = cache["clientId"] as? String,
            let clientSecret = cache["clientSecret"] as? String
        else { return nil }
        if let registration = (cache["registrationExpiresAt"] as? String).flatMap(Self.parseTime), registration <= now {
            return nil
        }
        let body: [String: String] = [
            "grantType": "refresh_token", "clientId": clientID, "clientSecret": clientSecret, "refreshToken": refreshToken,
        ]
        guard let response = try? await send(.ssoOIDC, method: .POST, path: "/token", query: [], headers: [], json: body, context: context),
            response.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(response.body)),
            let answer = object as? [String: Any], let token = answer["accessToken"] as? String,
            let lifetime = (answer["expiresIn"] as? NSNumber)?.doubleValue
        else {
            context.logger.warning("refreshing the IAM Identity Center token failed", metadata: ["profile": "\(profile)"])
            return nil
        }
        cache["accessToken"] = token
        cache["expiresAt"] = ISO8601.format(now.addingTimeInterval(lifetime))
        if let newRefresh = answer["refreshToken"] as? String { cache["refreshToken"] = newRefresh }
        return token
    }

    /// ISO 8601, also with the `UTC` suffix older AWS CLIs wrote.
    static func parseTime(_ text: String) -> Date? {
        ISO8601.parse(text.hasSuffix("UTC") ? String(text.dropLast(3)) + "Z" : text)
    }

    // MARK: GetRoleCredentials

    private func getRoleCredentials(token: String, context: AWSContext) async throws(CredentialError) -> AWSCredentials {
        let response: HTTPTransport.Response
        do {
            response = try await send(
                .sso, method: .GET, path: "/federation/credentials",
                query: [("role_name", roleName), ("account_id", accountID)], headers: [.init("x-amz-sso_bearer_token", token)],
                json: nil, context: context)
        } catch {
            throw CredentialError.failed(
                source: label, problem: "IAM Identity Center's GetRoleCredentials did not answer (\(error))",
                fix: "Try again; check the network and sso_region.", isTransient: true)
        }
        switch response.status {
        case 200:
            break
        case 401:
            throw CredentialError.failed(
                source: label, problem: "IAM Identity Center no longer accepts the cached login (HTTP 401)", fix: loginAdvice)
        case 403, 404:
            throw CredentialError.failed(
                source: label,
                problem: "IAM Identity Center refused role \(roleName) in account \(accountID) (HTTP \(response.status)\(Self.message(response)))",
                fix: "Check sso_account_id and sso_role_name, and that your user is assigned that role.")
        default:
            throw CredentialError.failed(
                source: label, problem: "GetRoleCredentials answered HTTP \(response.status)\(Self.message(response))",
                fix: "Try again later.", isTransient: response.status >= 500 || response.status == 429)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)), let document = object as? [String: Any],
            let role = document["roleCredentials"] as? [String: Any], let keyID = role["accessKeyId"] as? String,
            let secret = role["secretAccessKey"] as? String, !keyID.isEmpty, !secret.isEmpty
        else {
            throw CredentialError.failed(
                source: label, problem: "GetRoleCredentials answered without roleCredentials", fix: "Try again later.")
        }
        // `expiration` is milliseconds since the epoch.
        let expiration = (role["expiration"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue / 1000) }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: role["sessionToken"] as? String, expiration: expiration)
    }

    /// `: MESSAGE` from an error document, when it has one (never the request, which holds the token).
    private static func message(_ response: HTTPTransport.Response) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)), let document = object as? [String: Any],
            let text = (document["message"] ?? document["Message"]) as? String
        else { return "" }
        return ": \(text.prefix(200))"
    }

    private func send(
        _ service: AWSService, method: HTTPMethod, path: String, query: [(String, String)],
        headers: [SigningRequest.Header], json: [String: String]?, context: AWSContext
    ) async throws -> HTTPTransport.Response {
        let endpoint = try context.endpoints.endpoint(for: service, region: region)
        // An endpoint override may carry a path of its own (a proxy's prefix).
        let base = endpoint.url.path.hasSuffix("/") ? String(endpoint.url.path.dropLast()) : endpoint.url.path
        var url = endpoint.url.url(path: base + path)
        if !query.isEmpty {
            url += "?" + query.map { "\(PercentEncoding.encode($0.0, .component))=\(PercentEncoding.encode($0.1, .component))" }
                .joined(separator: "&")
        }
        var allHeaders = headers
        var body: [UInt8] = []
        if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
            allHeaders.append(.init("Content-Type", "application/json"))
        }
        return try await context.transport.send(
            .init(method: method, url: url, headers: allHeaders, body: body, timeout: context.configuration.requestTimeout))
    }
}
