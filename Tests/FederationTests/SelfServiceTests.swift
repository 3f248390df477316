import Foundation
import Testing

@testable import Federation

/// The self-service policy and the record requests, table-driven.
@Suite struct SelfServiceTests {
    static let policy = SelfServicePolicy(
        enabled: true, reserved: ["admin", "Support"], nameLengths: 3...12,
        characters: (try? NameCharacters("a-z0-9._-")) ?? .default)

    @Test("names: length, characters (after case folding) and reserved names", arguments: [
        ("alice", nil), ("Alice", nil), ("a.b-c_9", nil), ("abc", nil), ("twelve-chars", nil),
        ("ab", PolicyViolation.length(found: 2, allowed: 3...12)),
        ("thirteen-char", .length(found: 13, allowed: 3...12)),
        ("al+ce", .character("+", allowed: "a-z0-9._-")),
        ("zoë", .character("ë", allowed: "a-z0-9._-")),
        ("a@b.org", .character("@", allowed: "a-z0-9._-")),
        ("ADMIN", .reserved("ADMIN")),
        ("support", .reserved("support")),
    ] as [(String, PolicyViolation?)])
    func names(name: String, violation: PolicyViolation?) throws {
        let user = try UserName(name)
        if let violation {
            #expect(throws: violation) { try Self.policy.check(user) }
        } else {
            #expect(throws: Never.self) { try Self.policy.check(user) }
        }
    }

    @Test("a reserved name is a refusal (403), a malformed one a request to fix (400)")
    func statuses() {
        #expect(PolicyViolation.reserved("x").status == 403)
        #expect(PolicyViolation.length(found: 1, allowed: 2...3).status == 400)
    }

    @Test("character sets: ranges, literal '-', and characters no name may have", arguments: [
        ("a-z", "q", true), ("a-z", "-", false), ("a-z-", "-", true), ("-a", "-", true), ("0-9", "5", true),
        ("a-zα-ω", "β", true), ("._", "_", true), ("._", "a", false),
    ] as [(String, Unicode.Scalar, Bool)])
    func characterSets(specification: String, scalar: Unicode.Scalar, contained: Bool) throws {
        #expect(try NameCharacters(specification).contains(scalar) == contained)
    }

    @Test("character sets that cannot be used are refused")
    func badCharacterSets() {
        #expect(throws: NameCharactersError.empty) { try NameCharacters("") }
        #expect(throws: NameCharactersError.reversedRange("z-a")) { try NameCharacters("z-a") }
        #expect(throws: NameCharactersError.neverValid("*")) { try NameCharacters("a-z*") }
        #expect(throws: NameCharactersError.neverValid(" ")) { try NameCharacters("a-z ") }
    }

    @Test("the Authorization header", arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer  abc", "abc"), ("Basic dXNlcg==", nil), ("Bearer", nil), (nil, nil),
    ] as [(String?, String?)])
    func bearer(header: String?, token: String?) throws {
        if let token {
            #expect(try RecordsExchange.bearerToken(header) == token)
        } else {
            let error = #expect(throws: RefusedRequest.self) { try RecordsExchange.bearerToken(header) }
            #expect(error?.status == 401)
            #expect(error?.headers.contains { $0.name == "WWW-Authenticate" } == true)
        }
    }

    @Test("the address in the path, percent-encoded or not", arguments: [
        ("alice*example.org", "alice*example.org"), ("alice%2Aexample.org", "alice*example.org"),
        ("Zo%C3%AB*example.org", "Zoë*example.org"), ("+14155550100*example.org", "+14155550100*example.org"),
        ("alice*localhost:8443", "alice*localhost:8443"), ("a&b=c*example.org", "a&b=c*example.org"), ("alice", nil), ("a*b*c", nil), ("%zz*example.org", nil),
        ("%20*example.org", nil),
    ] as [(String, String?)])
    func pathAddress(segment: String, address: String?) throws {
        if let address {
            #expect(try RecordsExchange.address(fromPathSegment: Substring(segment)).description == address)
        } else {
            let error = #expect(throws: RefusedRequest.self) { try RecordsExchange.address(fromPathSegment: Substring(segment)) }
            #expect(error?.status == 400)
        }
    }

    @Test("claim bodies: nothing, or memo_type with memo, as JSON or a form", arguments: [
        ("", nil, nil), ("{}", "application/json", nil), (#"{"memo_type":"id","memo":"42"}"#, "application/json", Memo.id(42)),
        ("memo_type=text&memo=hello+world", "application/x-www-form-urlencoded", .text("hello world")),
        (#"{"memo_type":"id"}"#, "application/json", nil), (#"{"memo":"42"}"#, "application/json", nil),
        (#"{"memo_type":"id","memo":42}"#, "application/json", nil), (#"{"account_id":"G"}"#, "application/json", nil),
    ] as [(String, String?, Memo?)])
    func claimBodies(body: String, contentType: String?, memo: Memo?) {
        let valid = body.isEmpty || body == "{}" || memo != nil
        do {
            #expect(try RecordsExchange.claimMemo(body: Array(body.utf8), contentType: contentType) == memo)
            #expect(valid)
        } catch {
            #expect(!valid, "\(body): \(error)")
            #expect(error.status == 400)
        }
    }

    @Test("replies: a claim (201 when new, with what it replaced), a release, a listing")
    func replies() throws {
        let record = try AddressRecord(address: "alice*example.org", accountID: Fixtures.aliceAccount, memoType: "id", memo: "7")
        let earlier = try AddressRecord(address: "al*example.org", accountID: Fixtures.aliceAccount)
        let created = RecordsExchange.recordReply(record, created: true, replaced: [earlier])
        #expect(created.status == 201)
        #expect(
            created.bodyText
                == #"{"stellar_address":"alice*example.org","account_id":"\#(Fixtures.aliceAccount)","memo_type":"id","memo":"7","replaced":["al*example.org"]}"#)
        #expect(RecordsExchange.recordReply(record, created: false).status == 200)
        #expect(RecordsExchange.releasedReply(record.address).bodyText == #"{"released":"alice*example.org"}"#)
        let listing = RecordsExchange.listReply(account: record.accountID, records: [record, earlier])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(listing.body)) as? [String: Any])
        #expect(object["account_id"] as? String == Fixtures.aliceAccount)
        #expect((object["records"] as? [[String: String]])?.map { $0["stellar_address"] } == ["alice*example.org", "al*example.org"])
        #expect(RecordsExchange.listReply(account: record.accountID, records: []).bodyText.hasSuffix(#""records":[]}"#))
    }
}
