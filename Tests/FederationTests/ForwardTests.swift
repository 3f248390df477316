import Testing

@testable import Federation

@Suite struct ForwardTests {
    static let anchor = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    static func responder() throws -> FederationQueryAnswerer {
        let rules = [
            try ForwardRule(
                forwardType: "bank_account", requiredParameters: ["swift", "acct"],
                destination: .account(
                    try AccountID(anchor), memoType: .text, memoTemplate: "{swift}/{acct}",
                    addressTemplate: "{acct}*bank.stellar.org")),
            try ForwardRule(
                forwardType: "bank_account", requiredParameters: ["iban"],
                destination: .account(try AccountID(anchor), memoType: nil, memoTemplate: nil, addressTemplate: "iban*bank.stellar.org")),
            try ForwardRule(forwardType: "member", requiredParameters: ["name"], destination: .address(template: "{name}*stellar.org")),
        ]
        return FederationQueryAnswerer(settings: FederationSettings(forwardRules: rules))
    }

    private func get(_ query: String) throws -> FederationResponse {
        Fixtures.get(query, answerer: try Self.responder())
    }

    @Test func fixedAccountWithMemoFromParameters() throws {
        let response = try get("type=forward&forward_type=bank_account&swift=BOPBPHMM&acct=2382376")
        #expect(response.status == 200)
        #expect(
            response.bodyText
                == #"{"stellar_address":"2382376*bank.stellar.org","account_id":"\#(Self.anchor)","memo_type":"text","memo":"BOPBPHMM/2382376"}"#)
    }

    @Test func laterRuleWhenTheFirstLacksParameters() throws {
        let response = try get("type=forward&forward_type=bank_account&iban=DE89")
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"stellar_address":"iban*bank.stellar.org","account_id":"\#(Self.anchor)"}"#)
    }

    @Test func addressTemplateIsLookedUp() throws {
        let found = try get("type=forward&forward_type=member&name=BOB")
        #expect(found.status == 200)
        #expect(found.bodyText.hasPrefix(#"{"stellar_address":"bob*stellar.org","#))
        let missing = try get("type=forward&forward_type=member&name=nobody")
        #expect(missing.status == 404)
    }

    @Test(arguments: [
        ("type=forward&forward_type=remittance_center&first_name=Jhun", 501,
         #"forward_type \"remittance_center\" is not supported here (supported: bank_account, member)"#),
        ("type=forward&forward_type=bank_account&swift=BOPBPHMM", 400,
         "forward_type=bank_account is missing parameters: acct or iban"),
        ("type=forward&swift=BOPBPHMM", 400, "missing forward_type: send forward_type=bank_account with its parameters"),
        ("type=forward&forward_type=bank_account&swift=BOPBPHMMXXXXXXXXXXXXXX&acct=2382376", 400,
         "the forward parameters do not make a valid memo: text memo is 30 bytes of UTF-8; Stellar allows at most 28"),
        ("type=forward&forward_type=member&name=a*b", 400,
         #"the forward parameters make \"a*b*stellar.org\", not a Stellar address: a Stellar address has exactly one '*' (NAME*DOMAIN); a name cannot contain '*'"#),
    ])
    func errors(query: String, status: Int, message: String) throws {
        let response = try get(query)
        #expect(response.status == status)
        #expect(response.bodyText == "{\"error\":\"\(message)\"}")
    }

    @Test func rulesAreCheckedWhenMade() throws {
        let account = try AccountID(Self.anchor)
        #expect(throws: ForwardRuleError.unknownPlaceholder("acct", template: "{acct}*x.org")) {
            try ForwardRule(forwardType: "bank", requiredParameters: ["swift"], destination: .address(template: "{acct}*x.org"))
        }
        #expect(throws: ForwardRuleError.unbalancedBraces(template: "{acct*x.org")) {
            try ForwardRule(forwardType: "bank", requiredParameters: ["acct"], destination: .address(template: "{acct*x.org"))
        }
        #expect(throws: ForwardRuleError.invalidForwardType("Bank Account")) {
            try ForwardRule(forwardType: "Bank Account", requiredParameters: [], destination: .address(template: "x*x.org"))
        }
        #expect(throws: ForwardRuleError.memoTypeWithoutTemplate) {
            try ForwardRule(
                forwardType: "bank", requiredParameters: [],
                destination: .account(account, memoType: .id, memoTemplate: nil, addressTemplate: "x*x.org"))
        }
    }
}
