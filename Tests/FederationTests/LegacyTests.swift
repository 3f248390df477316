import Testing

@testable import Federation

/// The 2014 protocol, compared byte for byte with the PHP server's output where the reference fixes it.
@Suite struct LegacyTests {
    @Test func noSuchUserMatchesThePHPServer() {
        let response = Fixtures.get("type=federation&user=nobody&domain=stellar.org")
        #expect(response.status == 404)
        #expect(
            response.bodyText == """
                {
                    "error": "noSuchUser",
                    "error_message": "The supplied user was not found.",
                    "result": "error",
                    "request": {
                        "type": "federation",
                        "user": "nobody",
                        "domain": "stellar.org"
                    }
                }
                """)
        #expect(response.header("Access-Control-Allow-Origin") == "*")
    }

    @Test func successEchoesTheRequestVerbatim() {
        // The name matches ignoring case, but the reply carries exactly what the client sent.
        let response = Fixtures.get("type=federation&destination=ALICE&user=ALICE&domain=Stellar.ORG")
        #expect(response.status == 200)
        #expect(
            response.bodyText == """
                {
                    "result": "success",
                    "federation_json": {
                        "type": "federation_record",
                        "domain": "Stellar.ORG",
                        "user": "ALICE",
                        "destination": "ALICE",
                        "destination_address": "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
                    }
                }
                """)
    }

    @Test func destinationAloneAndDestinationTag() {
        let response = Fixtures.get("type=federation&destination=carol&domain=other.org")
        #expect(response.status == 200)
        #expect(response.bodyText.contains(#""user": "carol",\#n        "destination": "carol","#))
        #expect(response.bodyText.contains(#""dt": "7",\#n        "destination_tag": 7\#n"#))
    }

    @Test func reverseFederation() {
        let response = Fixtures.get(
            "type=reverse_federation&destination_address=GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU&domain=other.org")
        #expect(response.status == 200)
        #expect(
            response.bodyText == """
                {
                    "result": "success",
                    "federation_json": {
                        "type": "federation_record",
                        "domain": "other.org",
                        "user": "carol",
                        "destination": "carol",
                        "destination_address": "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU"
                    }
                }
                """)
    }

    @Test(arguments: [
        ("type=federation&domain=stellar.org", 400, "invalidParams", "No user given"),
        ("type=federation&user=bob", 400, "invalidParams", "No domain given"),
        ("user=bob&domain=stellar.org", 400, "invalidParams", "No type given"),
        ("type=bogus&user=bob&domain=stellar.org", 400, "invalidParams", "Unknown type: bogus"),
        ("type=federation&user=bob&domain=unknown.org", 404, "noSuchDomain", "The supplied domain is not served here."),
        ("type=federation&user=nobody&domain=empty.org", 404, "noSuchUser", "The supplied user was not found."),
        ("type=federation&user=bob&destination=alice&domain=stellar.org", 400, "invalidParams",
         "user and destination name different users; send the same name in both"),
        ("type=federation&user=deposit&domain=stellar.org", 501, "noSupported",
         "This address needs a text memo, which this protocol cannot carry; resolve it with SEP-2 (type=name&q=NAME*DOMAIN)"),
        ("type=federation&user=bob&domain=stellar.org&user=x", 400, "invalidParams",
         "the parameter user is given more than once; send it once"),
        ("type=reverse_federation&domain=stellar.org", 400, "invalidParams", "No destination_address given"),
        ("type=reverse_federation&destination_address=GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ&domain=stellar.org",
         404, "noSuchUser", "The supplied user was not found."),
        ("type=reverse_federation&destination_address=gDnu3fdGNNAuUy84DmbfyxwELjfu8kpmHg&domain=stellar.org", 400,
         "invalidParams", "Invalid destination_address: character 1 ('g') is not allowed: Stellar keys are upper case"),
    ])
    func errors(query: String, status: Int, code: String, message: String) {
        let response = Fixtures.get(query)
        #expect(response.status == status)
        #expect(response.bodyText.hasPrefix("{\n    \"error\": \"\(code)\",\n    \"error_message\": \"\(message)\",\n    \"result\": \"error\",\n    \"request\": {\n"))
    }

    @Test func methodNotAllowedMatchesThePHPServer() {
        let response = Fixtures.get("type=federation&user=bob&domain=stellar.org", method: "POST")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.bodyText.hasPrefix("{\n    \"error\": \"405 - Method Not Allowed\",\n    \"error_message\": \"HTTP method must be GET\","))
    }

    @Test func phpEscapesSlashesAndNonASCII() {
        let response = Fixtures.get("type=federation&user=Zo%C3%AB&domain=stellar.org&note=a/b%F0%9F%98%80")
        #expect(response.status == 501)  // an id memo above 32 bits cannot be a destination tag
        #expect(response.bodyText.contains(#""user": "Zo\u00eb","#))
        #expect(response.bodyText.contains(#""note": "a\/b\ud83d\ude00""#))
    }

    @Test func aFailingDirectoryIsUnavailable() {
        let response = Fixtures.get("type=federation&user=bob&domain=stellar.org", directory: BrokenDirectory())
        #expect(response.status == 503)
        #expect(response.bodyText.contains(#""error": "unavailable","#))
    }

    @Test func theTypeDecidesTheProtocol() throws {
        func isLegacy(_ query: String) throws -> Bool { FederationQueryAnswerer.isLegacy(try QueryParameters(rawQuery: query)) }
        #expect(try isLegacy("type=federation"))
        #expect(try isLegacy("type=reverse_federation"))
        #expect(try isLegacy("user=bob&domain=x.org"))
        #expect(try isLegacy("domain=x.org"))
        #expect(try !isLegacy("type=name&user=bob"))
        #expect(try !isLegacy("q=bob*x.org&domain=x.org"))
        #expect(try !isLegacy(""))
    }
}
