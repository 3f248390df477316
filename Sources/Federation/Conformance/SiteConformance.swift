import Foundation

/// One HTTP exchange as a checker saw it: what was asked and what came back.
public struct FetchedResponse: Sendable {
    public var method: String
    public var url: String
    public var status: Int
    /// Header names in lower case.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The outcome of one check of `fedns federation check`.
public struct ConformanceResult: Hashable, Sendable, CustomStringConvertible {
    public enum Outcome: String, Hashable, Sendable {
        case pass = "PASS"
        case fail = "FAIL"
        case warn = "WARN"
    }

    public var outcome: Outcome
    /// What was checked, e.g. `stellar.toml: Access-Control-Allow-Origin`.
    public var check: String
    public var detail: String

    public init(_ outcome: Outcome, _ check: String, _ detail: String = "") {
        self.outcome = outcome
        self.check = check
        self.detail = detail
    }

    public var description: String { "\(outcome.rawValue)  \(check)" + (detail.isEmpty ? "" : ": \(detail)") }
}

/// The rules `fedns federation check` holds a server to, as pure functions of the responses it fetched: SEP-1 for
/// `stellar.toml` (served directly, CORS, a text content type, the file's own rules), and SEP-2's behaviour for the
/// federation endpoint (CORS on every response, no caching, 404 for an unknown name with a JSON error, `memo`
/// always a string and valid for its type). Any server can be checked, fedns or not.
public enum SiteConformance {
    /// `GET /.well-known/stellar.toml` (and the `HEAD` operators check CORS with).
    public static func stellarToml(get: FetchedResponse, head: FetchedResponse?, allowedNetworks: [String]) -> [ConformanceResult] {
        var results: [ConformanceResult] = []
        let name = "stellar.toml"
        guard get.status == 200 else {
            let redirect = (300..<400).contains(get.status)
            results.append(
                .init(
                    .fail, "\(name): status",
                    redirect
                        ? "\(get.status) redirect to \(get.header("location") ?? "?"); js-stellar-sdk does not follow redirects, serve the file directly"
                        : "\(get.status); expected 200"))
            return results
        }
        results.append(.init(.pass, "\(name): status 200"))
        results += cors(get, "\(name): GET")
        if let head { results += cors(head, "\(name): HEAD (curl --head)") }
        let contentType = get.header("content-type") ?? ""
        if contentType.lowercased().contains("text/plain") || contentType.lowercased().contains("application/toml") {
            if contentType.lowercased().contains("charset=utf-8") || contentType.lowercased().contains("application/toml") {
                results.append(.init(.pass, "\(name): Content-Type", contentType))
            } else {
                results.append(.init(.warn, "\(name): Content-Type", "\(contentType) without charset=utf-8; the Python SDK then reads the file as ISO-8859-1"))
            }
        } else {
            results.append(.init(.fail, "\(name): Content-Type", "\"\(contentType)\"; SEP-1 asks for text/plain (the anchor test suite accepts text/plain or application/toml)"))
        }
        let problems = StellarToml.check(get.bodyText, source: name, allowedNetworks: allowedNetworks)
        let errors = problems.filter { $0.severity == .error }
        if errors.isEmpty { results.append(.init(.pass, "\(name): SEP-1 v2.7 rules", "\(get.body.count) bytes")) }
        for problem in problems {
            results.append(.init(problem.severity == .error ? .fail : .warn, "\(name): \(problem.key.isEmpty ? "file" : problem.key)", "\(problem.message) [\(problem.rule)]"))
        }
        return results
    }

    /// A federation reply that should say "not found": 404, with a JSON object carrying an `error` string (the shape
    /// SEP-2's error replies use; `detail` was the older docs' key).
    public static func notFound(_ response: FetchedResponse, label: String) -> [ConformanceResult] {
        var results = common(response, label: label)
        guard expect(response, status: 404, label: label, "SEP-2 answers an unknown address with 404", into: &results) else {
            return results
        }
        if let object = jsonObject(response.body), object["error"] is String || object["detail"] is String {
            results.append(.init(.pass, "\(label): 404 body", "a JSON error"))
        } else {
            results.append(.init(.warn, "\(label): 404 body", "not a JSON object with an \"error\" string; clients show the body as the reason"))
        }
        return results
    }

    /// A reply to a request that is not valid (a missing parameter): any status, as long as it is not success, with
    /// CORS and no caching like every federation reply.
    public static func refused(_ response: FetchedResponse, label: String, cacheRule: Bool = true) -> [ConformanceResult] {
        var results = cacheRule ? common(response, label: label) : cors(response, label)
        if (200..<300).contains(response.status) {
            results.append(.init(.fail, "\(label): status", "\(response.status) for an incomplete request; expected 400"))
        } else {
            results.append(.init(.pass, "\(label): status \(response.status)"))
        }
        return results
    }

    /// A lookup that should find a record: 200 and a SEP-2 record (`account_id` a valid account, `memo_type` and
    /// `memo` both or neither, `memo` a JSON string valid for its type).
    public static func found(_ response: FetchedResponse, label: String) -> [ConformanceResult] {
        var results = common(response, label: label)
        guard expect(response, status: 200, label: label, "expected 200 for a known address", into: &results) else {
            return results
        }
        guard let object = jsonObject(response.body) else {
            results.append(.init(.fail, "\(label): body", "not a JSON object"))
            return results
        }
        if let account = object["account_id"] as? String, (try? AccountID(account)) != nil {
            results.append(.init(.pass, "\(label): account_id", account))
        } else {
            results.append(.init(.fail, "\(label): account_id", "missing or not a G… account ID"))
        }
        if object["stellar_address"] is String {
            results.append(.init(.pass, "\(label): stellar_address"))
        } else {
            results.append(.init(.warn, "\(label): stellar_address", "missing; the Rust client requires it"))
        }
        switch (object["memo_type"], object["memo"]) {
        case (nil, nil):
            results.append(.init(.pass, "\(label): memo", "none"))
        case (let type as String, let memo as String):
            do {
                guard let memoType = MemoType(rawValue: type) else { throw MemoError.unknownType(type) }
                _ = try Memo(type: memoType, value: memo)
                results.append(.init(.pass, "\(label): memo", "\(type), a string"))
            } catch {
                results.append(.init(.fail, "\(label): memo", "\(error)"))
            }
        case (_, let memo?) where !(memo is String):
            results.append(.init(.fail, "\(label): memo", "a JSON \(memo is NSNumber ? "number" : "non-string"); SEP-2 requires a string (JS clients reject it)"))
        default:
            results.append(.init(.fail, "\(label): memo", "memo_type and memo must come together"))
        }
        return results
    }

    /// Whether the status is `status`, said as a pass or a failure (with `why`) in `results`.
    static func expect(
        _ response: FetchedResponse, status: Int, label: String, _ why: String, into results: inout [ConformanceResult]
    ) -> Bool {
        guard response.status == status else {
            results.append(.init(.fail, "\(label): status", "\(response.status); \(why)"))
            return false
        }
        results.append(.init(.pass, "\(label): status \(status)"))
        return true
    }

    /// CORS open to every origin, on a response to a request without `Origin` (as `curl` sends).
    public static func cors(_ response: FetchedResponse, _ label: String) -> [ConformanceResult] {
        response.header("access-control-allow-origin") == "*"
            ? [.init(.pass, "\(label): Access-Control-Allow-Origin: *")]
            : [.init(.fail, "\(label): Access-Control-Allow-Origin", "missing (SEP-1 and SEP-2 require * on every response)")]
    }

    /// What every federation reply must have: CORS and no caching (SEP-2: answers may change at any time).
    public static func common(_ response: FetchedResponse, label: String) -> [ConformanceResult] {
        var results = cors(response, label)
        let cacheControl = response.header("cache-control")?.lowercased() ?? ""
        results.append(
            cacheControl.contains("no-store")
                ? .init(.pass, "\(label): Cache-Control: no-store")
                : .init(.fail, "\(label): Cache-Control", "\(cacheControl.isEmpty ? "missing" : "\"\(cacheControl)\""); SEP-2 replies must not be cached (no-store)"))
        return results
    }

    public static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

extension SiteConformance {
    /// `GET WEB_AUTH_ENDPOINT?account=G…`: a SEP-10 challenge the client SDKs would accept, in the parts a client
    /// checks before signing (`read_challenge_transaction`): from `SIGNING_KEY`, signed by it for the network,
    /// sequence 0, time bounds, `"<home domain> auth"` with a 48-byte nonce first, and `web_auth_domain` the
    /// endpoint's host.
    public static func webAuthChallenge(
        _ response: FetchedResponse, label: String, signingKey: String?, networkPassphrase: String?, homeDomain: String,
        webAuthDomain: String
    ) -> [ConformanceResult] {
        var results = cors(response, label)
        guard expect(response, status: 200, label: label, "expected a challenge", into: &results) else { return results }
        guard let object = jsonObject(response.body), let transaction = object["transaction"] as? String else {
            results.append(.init(.fail, "\(label): reply", "not {\"transaction\": …}"))
            return results
        }
        let envelope: StellarXDR.Envelope
        do {
            envelope = try StellarXDR.Envelope(base64: transaction)
        } catch {
            results.append(.init(.fail, "\(label): transaction", "\(error)"))
            return results
        }
        guard let signingKey, let server = try? AccountID(signingKey) else {
            results.append(.init(.fail, "\(label): SIGNING_KEY", "stellar.toml has no valid SIGNING_KEY to check the challenge against"))
            return results
        }
        let network = StellarNetwork(passphrase: networkPassphrase ?? (object["network_passphrase"] as? String) ?? "")
        let tx = envelope.transaction
        var problems: [String] = []
        if tx.source != .account(server) { problems.append("the source account is not SIGNING_KEY") }
        if tx.sequence != 0 { problems.append("the sequence number is not 0") }
        if (tx.timeBounds?.maxTime ?? 0) == 0 { problems.append("there are no time bounds with a maximum") }
        let hash = tx.hash(network: network)
        if !envelope.signatures.contains(where: { $0.hint == server.signatureHint && server.isValidSignature($0.signature, of: hash) }) {
            problems.append("it is not signed by SIGNING_KEY for \"\(network)\"")
        }
        if let first = tx.operations.first {
            if first.manageData.nameText != "\(homeDomain) auth" { problems.append("the first key is not \"\(homeDomain) auth\"") }
            if first.manageData.value.flatMap({ Data(base64Encoded: Data($0)) })?.count != WebAuthService.nonceBytes {
                problems.append("the nonce is not 48 bytes in base64")
            }
        } else {
            problems.append("it has no operations")
        }
        let webAuth = tx.operations.dropFirst().first { $0.manageData.nameText == WebAuthService.webAuthDomainKey }
        if webAuth?.manageData.value != Array(webAuthDomain.utf8) { problems.append("web_auth_domain is not \(webAuthDomain)") }
        results.append(
            problems.isEmpty
                ? .init(.pass, "\(label): SEP-10 challenge", "signed by \(server)")
                : .init(.fail, "\(label): SEP-10 challenge", problems.joined(separator: "; ")))
        return results
    }
}
