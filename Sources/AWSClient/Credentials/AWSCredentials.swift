import Foundation

/// An access key pair, with the session token and expiry of temporary credentials.
///
/// Printing one never shows the secret or the token: `description`, `debugDescription` and the mirror used by
/// `dump` all redact them, so credentials can appear in logs and error messages without leaking.
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys, which never need refreshing.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["access key \(Redaction.accessKey(accessKeyID))", "secret <redacted>"]
        if sessionToken != nil { parts.append("session token <redacted>") }
        if let expiration { parts.append("expires \(expiration.formatted(Date.ISO8601FormatStyle()))") }
        return "AWSCredentials(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": Redaction.accessKey(accessKeyID), "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>", "expiration": expiration as Any,
            ], displayStyle: .struct)
    }
}

/// How secrets are shown to people: never in full.
enum Redaction {
    /// An access key id is not secret on its own, but its first four characters (`AKIA` long-term, `ASIA`
    /// temporary) and last four are all anyone needs to tell keys apart.
    static func accessKey(_ id: String) -> String {
        guard id.count > 8 else { return "<redacted>" }
        return "\(id.prefix(4))…\(id.suffix(4))"
    }
}
