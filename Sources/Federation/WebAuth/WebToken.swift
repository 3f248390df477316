import Crypto
import Foundation

/// The claims of a SEP-10 session token.
public struct WebAuthToken: Hashable, Sendable {
    /// `iss`: the `WEB_AUTH_ENDPOINT` that issued it.
    public var issuer: String
    /// `sub`: the authenticated account.
    public var subject: AccountID
    /// `aud`: the home domain the client signed in to; records of that domain only.
    public var audience: String
    /// `iat` and `exp`, seconds since 1970.
    public var issuedAt: UInt64
    public var expiresAt: UInt64
    /// `jti`: the challenge transaction's hash, hex.
    public var id: String

    public init(issuer: String, subject: AccountID, audience: String, issuedAt: UInt64, expiresAt: UInt64, id: String) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.id = id
    }
}

/// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (`HS256`, RFC 7518 §3.2), written here over swift-crypto
/// rather than taken from jwt-kit: fedns both issues and checks its tokens, so one symmetric secret
/// (`jwt_secret_file`, shared by replicas) is all the key management needed, and the whole format is a header, a
/// payload and an HMAC, about a hundred lines with no new package to build.
///
/// Checking is strict: the header must say `HS256` (so `none` and public-key algorithms are refused outright),
/// the MAC is compared in constant time, and `exp`, `iat` and `aud`/`iss` are checked before a token is believed.
/// Its description never shows the secret.
public struct WebTokenSigner: Sendable, CustomStringConvertible {
    /// Shorter secrets would make HMAC-SHA256 guessable; RFC 7518 §3.2 asks for at least the hash size.
    public static let minimumSecretBytes = 32
    /// Tokens are a few hundred bytes; anything much longer is not one of ours.
    public static let maximumTokenBytes = 4096
    /// How far in the future an `iat` may be (clock steps between replicas).
    public static let clockSkew: UInt64 = 60

    /// The secret's bytes (swift-crypto's `SymmetricKey` is not `Sendable` here; one is made per use).
    private let secret: [UInt8]

    public init(secret: [UInt8]) throws(TokenError) {
        guard secret.count >= Self.minimumSecretBytes else { throw .weakSecret(secret.count) }
        self.secret = secret
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    public var description: String { "HS256 token signer" }

    private static let header = base64URL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    /// The compact serialisation: header, payload and MAC, each base64url without padding, joined by dots.
    public func sign(_ token: WebAuthToken) -> String {
        let payload = JSONValue.object([
            ("iss", .string(token.issuer)), ("sub", .string(token.subject.description)), ("aud", .string(token.audience)),
            ("iat", .number(token.issuedAt)), ("exp", .number(token.expiresAt)), ("jti", .string(token.id)),
        ])
        let signingInput = Self.header + "." + Self.base64URL(payload.compact)
        return signingInput + "." + Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)))
    }

    /// The token's claims, once its form, algorithm, MAC and times hold and its issuer is the one `issuer` names for
    /// its audience (nil: an audience, that is a home domain, not served here).
    public func verify(_ text: String, now: UInt64, issuer expectedIssuer: (String) -> String?) throws(TokenError) -> WebAuthToken {
        guard text.utf8.count <= Self.maximumTokenBytes else { throw .malformed("it is longer than any token issued here") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.decodeBase64URL(parts[0]), let payloadBytes = Self.decodeBase64URL(parts[1]),
            let mac = Self.decodeBase64URL(parts[2])
        else { throw .malformed("a token is three base64url parts separated by dots") }
        guard let header = Self.object(headerBytes) else { throw .malformed("its header is not a JSON object") }
        guard header["alg"] as? String == "HS256" else {
            throw .wrongAlgorithm(String(describing: header["alg"] ?? "none").prefix(20).description)
        }
        let signingInput = Array("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signingInput, using: key) else { throw .badSignature }
        // Only now, with the MAC checked, is the payload worth reading.
        guard let payload = Self.object(payloadBytes), let issuer = payload["iss"] as? String, let subject = payload["sub"] as? String,
            let audience = Self.audience(payload["aud"]), let issuedAt = Self.seconds(payload["iat"]),
            let expiresAt = Self.seconds(payload["exp"]), let id = payload["jti"] as? String,
            let account = try? AccountID(subject)
        else { throw .malformed("its claims are incomplete") }
        guard now < expiresAt else { throw .expired }
        guard issuedAt <= now + Self.clockSkew else { throw .notYetValid }
        guard let wanted = expectedIssuer(audience), wanted == issuer else { throw .wrongAudience(audience) }
        return WebAuthToken(issuer: issuer, subject: account, audience: audience, issuedAt: issuedAt, expiresAt: expiresAt, id: id)
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// `aud` is a string or an array of strings (RFC 7519 §4.1.3); ours is one string.
    private static func audience(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let list = value as? [String], list.count == 1 { return list[0] }
        return nil
    }

    private static func seconds(_ value: Any?) -> UInt64? {
        // The MAC has been checked, so these are numbers this server wrote: whole seconds.
        guard let number = value as? NSNumber, number.int64Value >= 0 else { return nil }
        return UInt64(number.int64Value)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decodeBase64URL(_ part: Substring) -> [UInt8]? {
        guard part.utf8.allSatisfy({ byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }) else { return nil }
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        return Data(base64Encoded: text).map(Array.init)
    }
}

/// Why a bearer token is refused (401 with this message).
public enum TokenError: Error, Hashable, Sendable, CustomStringConvertible {
    case weakSecret(Int)
    case missing
    case malformed(String)
    case wrongAlgorithm(String)
    case badSignature
    case expired
    case notYetValid
    case wrongAudience(String)

    public var description: String {
        switch self {
        case .weakSecret(let count):
            "the JWT secret has \(count) bytes; use at least \(WebTokenSigner.minimumSecretBytes) (e.g. openssl rand -base64 48)"
        case .missing: "an Authorization: Bearer token from POST /auth is required"
        case .malformed(let reason): "the bearer token is not a JWT issued here: \(reason)"
        case .wrongAlgorithm(let algorithm): "the bearer token's algorithm \(algorithm) is not HS256"
        case .badSignature: "the bearer token's signature does not match; sign in again with /auth"
        case .expired: "the bearer token has expired; sign in again with /auth"
        case .notYetValid: "the bearer token was issued in the future"
        case .wrongAudience(let audience): "the bearer token was issued for \(audience.prefix(100)), not by this server for that domain"
        }
    }
}
