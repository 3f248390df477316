import Testing

@testable import Federation

/// SEP-2 requests, table-driven: query in, status and body out.
@Suite struct SEP2Tests {
    @Test func nameReplyIsByteExact() {
        let response = Fixtures.get("q=bob*stellar.org&type=name")
        #expect(response.status == 200)
        #expect(
            response.bodyText
                == #"{"stellar_address":"bob*stellar.org","account_id":"GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ","memo_type":"id","memo":"123"}"#
        )
        #expect(
            response.headers == [
                HeaderField("Content-Type", "application/json; charset=utf-8"),
                HeaderField("Access-Control-Allow-Origin", "*"),
                HeaderField("Cache-Control", "no-store"),
            ])
    }

    @Test(arguments: [
        // Both spellings of '*', any case of name and domain, a trailing dot: the canonical stored address.
        ("type=name&q=bob%2Astellar.org", "bob*stellar.org"),
        ("type=name&q=BOB*Stellar.ORG", "bob*stellar.org"),
        ("type=name&q=alice*stellar.org.", "Alice*stellar.org"),
        ("type=name&q=zo%C3%AB*stellar.org", "Zoë*stellar.org"),
        ("type=name&q=ZOE%CC%88*stellar.org", "Zoë*stellar.org"),
        ("type=name&q=%2B14155550100*stellar.org", "+14155550100*stellar.org"),
        // The pitfall: an unencoded '+' arrives as a space and is read back as the phone number.
        ("type=name&q=+14155550100*stellar.org", "+14155550100*stellar.org"),
        ("type=name&q=bob*localhost:8443", "bob*localhost:8443"),
        ("type=id&q=GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ", "bob*stellar.org"),
        // Several addresses for one account: the preferred (first) one.
        ("type=id&q=GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU", "deposit*stellar.org"),
    ])
    func found(query: String, address: String) {
        let response = Fixtures.get(query)
        #expect(response.status == 200)
        #expect(response.bodyText.hasPrefix(#"{"stellar_address":"\#(address)","#))
    }

    @Test func memoIsAlwaysAString() {
        let hash = Fixtures.get("type=name&q=%2B14155550100*stellar.org")
        #expect(hash.bodyText.hasSuffix(#""memo_type":"hash","memo":"AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk="}"#))
        let largeID = Fixtures.get("type=name&q=zo%C3%AB*stellar.org")
        #expect(largeID.bodyText.hasSuffix(#""memo_type":"id","memo":"18446744073709551615"}"#))
        let noMemo = Fixtures.get("type=name&q=alice*stellar.org")
        #expect(
            noMemo.bodyText
                == #"{"stellar_address":"Alice*stellar.org","account_id":"GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"}"#)
    }

    @Test(arguments: [
        ("type=name&q=nobody*stellar.org", 404, "nobody*stellar.org is not a known Stellar address"),
        ("type=name&q=nobody*empty.org", 404, "nobody*empty.org is not a known Stellar address"),
        ("type=name&q=bob*unknown.org", 404, "the domain unknown.org is not served by this federation server"),
        ("type=id&q=GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ", 404,
         "no Stellar address is registered for GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"),
        ("type=id&q=MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", 404,
         "addresses are registered for G… accounts only, not for muxed (M…) accounts"),
        ("type=name", 400, "missing q: send q=bob*example.org"),
        ("q=bob*stellar.org", 400, "missing type: send type=name&q=NAME*DOMAIN, or type=id&q=ACCOUNT_ID"),
        ("type=name&q=bob", 400, "q is not a Stellar address: a Stellar address is NAME*DOMAIN, as in bob*example.org; the '*' is missing"),
        ("type=name&q=bob smith*stellar.org", 400,
         "q is not a Stellar address: the name contains U+0020: whitespace is not allowed (a '+' sent unencoded in a URL becomes a space)"),
        ("type=name&q=bob*stellar.org:443", 400,
         "q is not a Stellar address: a port is only accepted on test names (localhost, *.localhost, *.test), not on stellar.org; drop the port"),
        ("type=id&q=gcibucgpohwmmmfpftdwbsvhqrt4dibj7ad6bzjyditbk2lcvbyw7huq", 400,
         "q is not a Stellar account ID: character 1 ('g') is not allowed: Stellar keys are upper case"),
        ("type=name&q=a*b.org&type=name", 400, "the parameter type is given more than once; send it once"),
        ("type=name&q=%ZZ", 400, "the query has a '%' at byte 13 that is not followed by two hex digits; encode '%' as %25"),
        ("type=name&q=%FF", 400, "the value of q is not valid UTF-8 once percent-decoded; percent-encode UTF-8 bytes"),
        ("type=txid&q=c1b368c00e9852351361e07cc58c54277e7a6366580044ab152b8db9cd8ec52a", 501,
         "type=txid is not supported: this server keeps no transactions; look the sender up with type=id"),
        ("type=foo&q=x", 400, "type \"foo\" is not a federation request type; use name, id, txid or forward"),
        ("type=forward&forward_type=bank_account&swift=BOPBPHMM&acct=2382376", 501,
         "forward_type \"bank_account\" is not supported here (none is configured)"),
    ])
    func errors(query: String, status: Int, message: String) {
        let response = Fixtures.get(query)
        #expect(response.status == status)
        let escaped = message.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: #"\""#)
        #expect(response.bodyText == "{\"error\":\"\(escaped)\"}")
        #expect(response.header("Access-Control-Allow-Origin") == "*")
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
    }

    @Test func overlongQueryIs414() {
        let response = Fixtures.get("type=name&q=" + String(repeating: "a", count: 3000))
        #expect(response.status == 414)
    }

    @Test func decodedQueryItemsTakeTheSamePath() throws {
        func answer(_ decoded: [(name: String, value: String)]) throws -> FederationResponse {
            Fixtures.responder.answer(method: "GET", parameters: try QueryParameters(decoded: decoded), directory: Fixtures.index)
        }
        let response = try answer([(name: "type", value: "name"), (name: "q", value: "BOB*stellar.org")])
        #expect(response.status == 200)
        let repeated = try answer([(name: "type", value: "name"), (name: "type", value: "id")])
        #expect(repeated.status == 400)
    }

    @Test func methodsOtherThanGetAndHead() {
        let head = Fixtures.get("type=name&q=bob*stellar.org", method: "HEAD")
        #expect(head.status == 200)
        let post = Fixtures.get("type=name&q=bob*stellar.org", method: "POST")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
        #expect(post.bodyText == #"{"error":"federation requests use GET (or HEAD)"}"#)
    }

    @Test func aFailingDirectoryIs503() {
        let response = Fixtures.get("type=name&q=bob*stellar.org", directory: BrokenDirectory())
        #expect(response.status == 503)
        #expect(response.bodyText == #"{"error":"the address book cannot be read right now; try again shortly"}"#)
    }

    @Test func errorTextIsEscapedAsJSON() {
        let response = Fixtures.get("type=%22%5C%0A&q=x")
        #expect(response.bodyText == #"{"error":"type \"\"\\\n\" is not a federation request type; use name, id, txid or forward"}"#)
    }
}
