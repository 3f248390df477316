import FednsSupport
import Foundation

/// The JSON credentials document that `credential_process`, the container endpoint and the instance metadata
/// service all return, with small differences: the process output carries `Version: 1` and `SessionToken`, the
/// endpoints carry `Token` (and IMDS a `Code` that must be `Success`).
///
/// Error messages describe what is wrong with the document without quoting it: it holds a secret.
package struct CredentialDocument: Decodable {
    var version: Int?
    var accessKeyID: String?
    var secretAccessKey: String?
    var sessionToken: String?
    var token: String?
    var expiration: String?
    var code: String?
    var message: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case accessKeyID = "AccessKeyId"
        case secretAccessKey = "SecretAccessKey"
        case sessionToken = "SessionToken"
        case token = "Token"
        case expiration = "Expiration"
        case code = "Code"
        case message = "Message"
    }

    /// Decodes and checks a document; `source` and `fix` go into the error when it is unusable.
    package static func credentials(
        from bytes: [UInt8], source: String, requireVersion1: Bool, fix: String
    ) throws(CredentialError) -> AWSCredentials {
        func failure(_ problem: String) -> CredentialError { .failed(source: source, problem: problem, fix: fix) }
        let document: CredentialDocument
        do {
            document = try JSONDecoder().decode(CredentialDocument.self, from: Data(bytes))
        } catch {
            throw failure("returned something that is not a JSON credentials object (\(bytes.count) bytes)")
        }
        if let code = document.code, code != "Success" {
            throw failure("returned Code \"\(code)\"\(document.message.map { ": \($0)" } ?? "")")
        }
        if requireVersion1 {
            guard let version = document.version else { throw failure("returned JSON without \"Version\": 1") }
            guard version == 1 else { throw failure("returned \"Version\": \(version); only version 1 exists") }
        }
        guard let keyID = document.accessKeyID, !keyID.isEmpty else { throw failure("returned no AccessKeyId") }
        guard let secret = document.secretAccessKey, !secret.isEmpty else {
            throw failure("returned no SecretAccessKey")
        }
        var expiration: Date?
        if let text = document.expiration {
            guard let parsed = ISO8601.parse(text) else {
                throw failure("returned Expiration \"\(text)\", which is not an ISO 8601 time")
            }
            expiration = parsed
        }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: document.sessionToken ?? document.token,
            expiration: expiration)
    }
}
