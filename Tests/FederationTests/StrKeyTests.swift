import Testing

@testable import Federation

/// SEP-23's test cases, every one, plus the account IDs the specs use.
@Suite struct StrKeyTests {
    static let account = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
    static let key: [UInt8] = [
        0x3f, 0x0c, 0x34, 0xbf, 0x93, 0xad, 0x0d, 0x99, 0x71, 0xd0, 0x4c, 0xcc, 0x90, 0xf7, 0x05, 0x51,
        0x1c, 0x83, 0x8a, 0xad, 0x97, 0x34, 0xa4, 0xa2, 0xfb, 0x0d, 0x7a, 0x03, 0xfc, 0x7f, 0xe8, 0x9a,
    ]

    @Test func validAccount() throws {
        let id = try AccountID(Self.account)
        #expect(id.publicKey == Self.key)
        #expect(id.description == Self.account)
        #expect(try AccountID(publicKey: Self.key) == id)
    }

    @Test func checksumIsXModemAppendedLittleEndian() throws {
        // The reference checked this key's CRC by hand: 0xd9c8, stored as c8 d9.
        #expect(CRC16XModem.checksum([0x30] + Self.key) == 0xd9c8)
        guard case .success(let bytes) = Base32.decode(Self.account) else {
            Issue.record("the valid account did not decode")
            return
        }
        #expect(bytes.suffix(2) == [0xc8, 0xd9])
    }

    @Test func validMuxedAccountWithIDZero() throws {
        let text = "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ"
        let muxed = try MuxedAccount(text)
        #expect(muxed.accountID.description == Self.account)
        #expect(muxed.id == 0)
        #expect(muxed.description == text)
    }

    @Test func validMuxedAccountWithIDAboveInt64() throws {
        let text = "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK"
        let muxed = try MuxedAccount(text)
        #expect(muxed.accountID.description == Self.account)
        #expect(muxed.id == 9_223_372_036_854_775_808)
        #expect(MuxedAccount(accountID: muxed.accountID, id: muxed.id).description == text)
    }

    @Test(arguments: [
        (
            "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IBZGM",
            Array(1...32).map(UInt8.init)
        ),
        (
            "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUAAAAFGBU",
            Array(1...29).map(UInt8.init)
        ),
    ])
    func validSignedPayload(text: String, payload: [UInt8]) throws {
        let key = try StrKey(text)
        #expect(key.kind == .signedPayload)
        #expect(Array(key.payload.prefix(32)) == Self.key)
        let length = key.payload[32..<36].reduce(0) { $0 << 8 | Int($1) }
        #expect(length == payload.count)
        #expect(Array(key.payload[36..<(36 + length)]) == payload)
        #expect(key.description == text)
    }

    @Test(arguments: [
        ("CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA", StrKeyKind.contract, key),
        ("LA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUPJN", .liquidityPool, key),
        ("BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TU", .claimableBalance, [0] + key),
    ])
    func validHashKeys(text: String, kind: StrKeyKind, payload: [UInt8]) throws {
        let key = try StrKey(text)
        #expect(key.kind == kind)
        #expect(key.payload == payload)
        #expect(key.description == text)
    }

    /// Each invalid case with the reason SEP-23 gives for it, so a regression names what broke.
    @Test(arguments: [
        ("GAAAAAAAACGC6", StrKeyError.tooShort(13)),
        ("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR", .nonZeroTrailingBits),
        ("GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", .impossibleLength(57)),
        ("GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI", .wrongPayloadLength(kind: .accountID, found: 33, expected: 32)),
        ("G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I", .unsupportedAlgorithm(kind: .accountID, algorithm: 7)),
        ("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA", .impossibleLength(70)),
        ("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I", .wrongPayloadLength(kind: .muxedAccount, found: 41, expected: 40)),
        ("M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", .unsupportedAlgorithm(kind: .muxedAccount, algorithm: 7)),
        ("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===", .padding(offset: 69)),
        ("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO", .checksumMismatch),
        (
            "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAQACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IAAAAAAAAPM",
            .invalidSignedPayload("the declared length 32 does not match the 36 bytes that follow it")
        ),
        (
            "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4Z2PQ",
            .invalidSignedPayload("the declared length 29 does not match the 28 bytes that follow it")
        ),
        (
            "PA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAOQCAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DXFH6",
            .invalidSignedPayload("the declared length 29 does not match the 29 bytes that follow it")
        ),
        ("BAAD6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGR4TV", .nonZeroTrailingBits),
        ("BAAT6DBUX6J22DMZOHIEZTEQ64CVCHEDRKWZONFEUL5Q26QD7R76RGXACA", .unknownClaimableBalanceType(1)),
    ])
    func invalidVectors(text: String, expected: StrKeyError) {
        #expect(throws: expected) { try StrKey(text) }
    }

    @Test func lowerCaseIsRejected() {
        #expect(throws: StrKeyError.invalidCharacter(offset: 0, character: "g")) { try AccountID(Self.account.lowercased()) }
    }

    @Test func otherKindsAreNotAccounts() throws {
        #expect(throws: StrKeyError.wrongKind(found: .muxedAccount, expected: .accountID)) {
            try AccountID("MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ")
        }
        let seed = StrKey.encode(kind: .secretSeed, payload: Self.key)
        #expect(seed.hasPrefix("S"))
        let error = #expect(throws: StrKeyError.self) { try AccountID(seed) }
        #expect(error?.description.contains("never be shared") == true)
    }

    @Test(arguments: [
        "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ",
        "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG",
        "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU",
    ])
    func accountsFromTheSpecs(text: String) throws {
        #expect(try AccountID(text).description == text)
    }

    @Test func hostileInputIsRefusedCheaply() {
        #expect(throws: StrKeyError.empty) { try StrKey("") }
        #expect(throws: StrKeyError.tooLong(1000)) { try StrKey(String(repeating: "G", count: 1000)) }
        #expect(throws: StrKeyError.invalidCharacter(offset: 2, character: "\u{FF}")) { try StrKey("GA\u{FF}AAAAA") }
        #expect(throws: StrKeyError.invalidCharacter(offset: 8, character: "1")) { try StrKey("GAAAAAAA1AAAAAAA") }
    }

    @Test func base32RoundTripsEveryLength() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base32.decode(Base32.encode(bytes)) == .success(bytes))
        }
    }
}
