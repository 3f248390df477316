import Crypto
import FednsSupport
import Foundation

/// AWS Signature Version 4 for one service in one region.
///
/// Each stage (canonical request, string to sign, signature) is exposed in the result so that it can be checked
/// against the AWS test suite one step at a time, and so a signature mismatch can be diagnosed.
public struct SigV4Signer: Sendable {
    /// Where temporary credentials' session token goes. AWS services take it signed; the test suite also has
    /// a case where it is added after signing.
    public enum SessionTokenPlacement: Sendable {
        case signed
        case appendedAfterSigning
    }

    public var region: String
    public var service: String

    public init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// Signs `request` as of `date` and returns the headers to send with every intermediate stage.
    ///
    /// Any `X-Amz-Date`, `Authorization` or (with a session token) `X-Amz-Security-Token` already on the request is
    /// replaced, so a request can be re-signed for a retry.
    public func sign(
        _ request: SigningRequest, credentials: AWSCredentials, date: Date,
        sessionToken placement: SessionTokenPlacement = .signed
    ) -> SignedRequest {
        let time = UTCDateTime(date)
        var replaced: Set<String> = ["x-amz-date", "authorization"]
        if credentials.sessionToken != nil { replaced.insert("x-amz-security-token") }
        var headers = request.headers.filter { !replaced.contains($0.name.lowercased()) }
        headers.append(.init("X-Amz-Date", time.amzDate))
        if let token = credentials.sessionToken, placement == .signed {
            headers.append(.init("X-Amz-Security-Token", token))
        }

        let canonicalHeaders = Self.canonicalHeaders(headers)
        let signedHeaderNames = canonicalHeaders.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            request.method.uppercased(),
            Self.canonicalURI(request.path),
            Self.canonicalQuery(request.query),
            canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaderNames,
            Hex.lowercase(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")

        let scope = "\(time.amzDay)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            time.amzDate,
            scope,
            Hex.lowercase(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")

        let signature = Hex.lowercase(
            HMAC<SHA256>.authenticationCode(
                for: Array(stringToSign.utf8), using: signingKey(secret: credentials.secretAccessKey, day: time.amzDay)))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaderNames), Signature=\(signature)"

        headers.append(.init("Authorization", authorization))
        if let token = credentials.sessionToken, placement == .appendedAfterSigning {
            headers.append(.init("X-Amz-Security-Token", token))
        }
        return SignedRequest(
            headers: headers, canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            authorization: authorization)
    }

    private func signingKey(secret: String, day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Lower-case names, sorted; values trimmed with inner runs of whitespace (including folded lines) collapsed
    /// to one space; repeated headers joined with commas in the order they were given.
    static func canonicalHeaders(_ headers: [SigningRequest.Header]) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for header in headers {
            values[header.name.lowercased(), default: []].append(collapsingWhitespace(header.value))
        }
        return values.keys.sorted().map { name in (name, values[name, default: []].joined(separator: ",")) }
    }

    private static func collapsingWhitespace(_ value: String) -> String {
        // ASCII whitespace only ("\r\n" is a single Character); other Unicode spaces are part of the value.
        value.split(whereSeparator: { [" ", "\t", "\n", "\r", "\r\n"].contains($0) }).joined(separator: " ")
    }

    /// Names and values encoded, then sorted by name and, for repeated names, by value.
    static func canonicalQuery(_ items: [SigningRequest.QueryItem]) -> String {
        items.map { (PercentEncoding.encode($0.name, .component), PercentEncoding.encode($0.value, .component)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// The path with `.` and `..` segments resolved and empty segments dropped (every service but S3, which this
    /// client does not talk to), then percent-encoded.
    static func canonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var normalized = "/" + segments.joined(separator: "/")
        // A trailing slash is part of the resource name ("/example/" is not "/example"), so it survives.
        let lastSegment = path.split(separator: "/", omittingEmptySubsequences: false).last
        if !segments.isEmpty && (path.hasSuffix("/") || lastSegment == "." || lastSegment == "..") {
            normalized += "/"
        }
        return PercentEncoding.encode(normalized, .path)
    }
}

/// The result of signing: the headers to send, and each stage for diagnosis and tests.
public struct SignedRequest: Sendable, Hashable {
    /// The request's headers plus `X-Amz-Date`, the session token if any, and `Authorization`.
    public var headers: [SigningRequest.Header]
    public var canonicalRequest: String
    public var stringToSign: String
    public var signature: String
    public var authorization: String
}
