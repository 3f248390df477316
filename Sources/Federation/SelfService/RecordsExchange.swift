import Foundation

/// The self-service record requests as values: the bearer token, the address in the path, the memo in the body, and
/// the replies. Whether the token is valid, the claim allowed and the name free is decided by the caller, which
/// holds the token signer, the policy and the store.
public enum RecordsExchange {
    /// The path under which records live: `/federation/records` and `/federation/records/NAME*DOMAIN`.
    public static let path = "/federation/records"

    /// What a 401 says besides its message (RFC 6750 §3).
    static let challengeHeader = HeaderField("WWW-Authenticate", #"Bearer realm="fedns", error="invalid_token""#)

    /// The token of `Authorization: Bearer …`.
    public static func bearerToken(_ authorization: String?) throws(RefusedRequest) -> String {
        guard let authorization else { throw unauthorized(.missing) }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw unauthorized(.missing) }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// 401 for a token that is missing or not valid.
    public static func unauthorized(_ error: TokenError) -> RefusedRequest {
        RefusedRequest(401, error.description, headers: [challengeHeader])
    }

    /// The address named by the last path segment, percent-decoded (`alice*example.org`, `alice%2Aexample.org`).
    public static func address(fromPathSegment segment: Substring) throws(RefusedRequest) -> StellarAddress {
        let decoded: String
        do {
            // Path segments use percent-encoding without form's '+' for space: a '+' stays a '+' (phone numbers), and
            // '&' is a character of the segment, not a separator.
            let escaped = segment.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "&", with: "%26")
            guard let value = try QueryParameters(rawQuery: "a=" + escaped)["a"] else { throw RefusedRequest(400, "") }
            decoded = value
        } catch {
            throw RefusedRequest(400, "the address in the path cannot be read; percent-encode it as UTF-8")
        }
        do {
            return try StellarAddress(decoded)
        } catch {
            throw RefusedRequest(400, "\"\(decoded.prefix(140))\" is not a Stellar address: \(error)")
        }
    }

    /// The memo a claim asks for: `memo_type` and `memo` in a JSON or form body, both or neither.
    public static func claimMemo(body: [UInt8], contentType: String?) throws(RefusedRequest) -> Memo? {
        let fields = try RequestFields.parse(body, contentType: contentType)
        if let unknown = fields.keys.sorted().first(where: { $0 != "memo_type" && $0 != "memo" }) {
            throw RefusedRequest(400, "\(unknown.prefix(40)) is not a field of a claim; send memo_type and memo, or nothing")
        }
        do {
            return try Memo.from(type: fields["memo_type"], value: fields["memo"])
        } catch {
            throw RefusedRequest(400, "memo: \(error)")
        }
    }

    /// A record claimed or updated: 201 when it is new, else 200; with the addresses it replaced, if any.
    public static func recordReply(_ record: AddressRecord, created: Bool, replaced: [AddressRecord] = []) -> FederationResponse {
        var members = FederationResponse.sep2RecordMembers(record)
        if !replaced.isEmpty { members.append(("replaced", .array(replaced.map { .string($0.address.description) }))) }
        return FederationResponse(status: created ? 201 : 200, json: .object(members), style: .compact)
    }

    /// 200 `{"released": "name*domain"}`.
    public static func releasedReply(_ address: StellarAddress) -> FederationResponse {
        FederationResponse(status: 200, json: .object([("released", .string(address.description))]), style: .compact)
    }

    /// 200 `{"account_id": …, "records": [{stellar_address, account_id, memo_type, memo}, …]}`.
    public static func listReply(account: AccountID, records: [AddressRecord]) -> FederationResponse {
        FederationResponse(
            status: 200,
            json: .object([
                ("account_id", .string(account.description)),
                ("records", .array(records.map { .object(FederationResponse.sep2RecordMembers($0)) })),
            ]), style: .compact)
    }
}
