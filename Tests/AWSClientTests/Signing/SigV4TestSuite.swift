import Foundation
import Testing

@testable import AWSClient

/// One case of the AWS SigV4 test suite: the request (`.req`) and the expected stages (`.creq`, `.sts`, `.authz`,
/// `.sreq`), all signed with the suite's fixed key, region, service and time.
struct SigV4SuiteCase: CustomTestStringConvertible, Sendable {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let region = "us-east-1"
    static let service = "service"
    /// 2015-08-30T12:36:00Z, the `X-Amz-Date` of every case.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    /// The case's folder relative to the suite, e.g. `normalize-path/get-space`.
    var path: String
    var request: SigningRequest
    var canonicalRequest: String
    var stringToSign: String
    var authorization: String
    var signedRequest: ParsedHTTPRequest
    /// A session token the signer must add itself (present in `.sreq` but not in `.req`), and whether it is signed.
    var sessionToken: String?
    var tokenPlacement: SigV4Signer.SessionTokenPlacement

    var testDescription: String { path }

    static let root = Fixtures.url("aws4_testsuite")

    /// Every folder of the suite that holds a case (one with a `.req`), nested folders included.
    static func allPaths() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var paths: [String] = []
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix(".req") { paths.append((entry as NSString).deletingLastPathComponent) }
        }
        return paths.sorted()
    }

    static func load(_ path: String) throws -> SigV4SuiteCase {
        let name = (path as NSString).lastPathComponent
        func read(_ suffix: String) throws -> String {
            try String(contentsOf: root.appendingPathComponent("\(path)/\(name).\(suffix)"), encoding: .utf8)
        }
        let request = try ParsedHTTPRequest(read("req"))
        let signed = try ParsedHTTPRequest(read("sreq"))
        let canonicalRequest = try read("creq")
        let requestHeaderNames = Set(request.headers.map { $0.name.lowercased() })
        let addedToken = signed.headers.first {
            $0.name.lowercased() == "x-amz-security-token" && !requestHeaderNames.contains("x-amz-security-token")
        }
        let tokenIsSigned = canonicalRequest.split(separator: "\n").contains { $0.hasPrefix("x-amz-security-token:") }
        return SigV4SuiteCase(
            path: path, request: request.signingRequest, canonicalRequest: canonicalRequest,
            stringToSign: try read("sts"), authorization: try read("authz"), signedRequest: signed,
            sessionToken: addedToken?.value, tokenPlacement: tokenIsSigned ? .signed : .appendedAfterSigning)
    }

    func sign() -> SignedRequest {
        var credentials = Self.credentials
        credentials.sessionToken = sessionToken
        return SigV4Signer(region: Self.region, service: Self.service)
            .sign(request, credentials: credentials, date: Self.date, sessionToken: tokenPlacement)
    }
}

/// An HTTP/1.1 request as the suite writes it: a request line, headers (indented lines continue the previous
/// one), a blank line and a body. The target may contain raw spaces and UTF-8, so the request line is split at
/// its first space and at its last " HTTP/".
struct ParsedHTTPRequest: Sendable {
    struct Malformed: Error {}

    var method: String
    var target: String
    var headers: [SigningRequest.Header]
    var body: String

    init(_ text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let requestLine = lines.first, let space = requestLine.firstIndex(of: " "),
            let version = requestLine.range(of: " HTTP/", options: .backwards)
        else { throw Malformed() }
        method = String(requestLine[..<space])
        target = String(requestLine[requestLine.index(after: space)..<version.lowerBound])
        headers = []
        var index = 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw Malformed() }
                headers.append(
                    .init(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            index += 1
        }
        body = index < lines.count ? lines[(index + 1)...].joined(separator: "\n") : ""
    }

    var signingRequest: SigningRequest {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query: [SigningRequest.QueryItem] =
            parts.count < 2
            ? []
            : parts[1].split(separator: "&").map { pair in
                let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return .init(
                    PercentEncoding.decode(nameAndValue[0]) ?? String(nameAndValue[0]),
                    nameAndValue.count > 1 ? PercentEncoding.decode(nameAndValue[1]) ?? String(nameAndValue[1]) : "")
            }
        return SigningRequest(
            method: method, path: String(parts[0]), query: query, headers: headers, body: Array(body.utf8))
    }

    var normalizedHeaders: [String] { Self.normalized(headers) }
}

@Suite("SigV4 against the AWS test suite")
struct SigV4TestSuiteTests {
    /// Cases whose `.sreq` carries a different signature from their own `.authz`: an error in the published
    /// suite (the `.creq`, `.sts` and `.authz` agree with each other and with us).
    static let inconsistentSignedRequests: Set<String> = ["get-vanilla-with-session-token"]

    @Test("the suite is complete: every published case, including the nested folders")
    func suiteIsComplete() {
        let paths = SigV4SuiteCase.allPaths()
        #expect(paths.count == 34)
        #expect(paths.contains("normalize-path/get-space"))
        #expect(paths.contains("post-sts-token/post-sts-header-before"))
        #expect(paths.contains("post-sts-token/post-sts-header-after"))
    }

    /// The stages of signing, each compared with its own file of the suite.
    enum Stage: String, CaseIterable, Sendable {
        case canonicalRequest = "creq"
        case stringToSign = "sts"
        case authorization = "authz"
    }

    @Test("each stage of every case: canonical request, string to sign, Authorization",
        arguments: SigV4SuiteCase.allPaths(), Stage.allCases)
    func stage(path: String, stage: Stage) throws {
        let testCase = try SigV4SuiteCase.load(path)
        let signed = testCase.sign()
        switch stage {
        case .canonicalRequest: #expect(signed.canonicalRequest == testCase.canonicalRequest)
        case .stringToSign: #expect(signed.stringToSign == testCase.stringToSign)
        case .authorization: #expect(signed.authorization == testCase.authorization)
        }
    }

    @Test("signed request headers", arguments: SigV4SuiteCase.allPaths())
    func signedRequest(path: String) throws {
        let testCase = try SigV4SuiteCase.load(path)
        let signed = testCase.sign()
        let ours = ParsedHTTPRequest.normalized(signed.headers)
        var expected = testCase.signedRequest
        let suiteAuthorization = expected.headers.first { $0.name == "Authorization" }?.value
        if Self.inconsistentSignedRequests.contains(path) {
            #expect(suiteAuthorization != testCase.authorization)
            // Check everything else in the .sreq; the Authorization was checked against .authz above.
            expected.headers.removeAll { $0.name == "Authorization" }
            #expect(ours.filter { !$0.hasPrefix("authorization:") } == expected.normalizedHeaders)
        } else {
            #expect(suiteAuthorization == testCase.authorization)
            #expect(ours == expected.normalizedHeaders)
        }
    }
}

extension ParsedHTTPRequest {
    /// Header lines in a form where order between different names does not matter.
    static func normalized(_ headers: [SigningRequest.Header]) -> [String] {
        headers.enumerated()
            .sorted { ($0.element.name.lowercased(), $0.offset) < ($1.element.name.lowercased(), $1.offset) }
            .map { "\($0.element.name.lowercased()):\($0.element.value)" }
    }
}
