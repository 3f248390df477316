import Foundation
import Testing

@testable import Federation

@Suite struct AddressTests {
    @Test(arguments: ["bob", "maria@gmail.com", "+14155550100", "Zoë", "東京", "👨‍👩‍👧", "a<b,c", String(repeating: "x", count: 128)])
    func validNames(text: String) throws {
        #expect(try UserName(text).text == text)
    }

    @Test(arguments: [
        ("", AddressError.emptyName),
        ("bob smith", .invalidNameCharacter(scalar: " ", "whitespace is not allowed (a '+' sent unencoded in a URL becomes a space)")),
        ("bob>", .invalidNameCharacter(scalar: ">", "'>' is reserved by SEP-2")),
        ("a\u{0}b", .invalidNameCharacter(scalar: "\u{0}", "control characters are not allowed")),
        ("a\u{7F}b", .invalidNameCharacter(scalar: "\u{7F}", "control characters are not allowed")),
        ("a\u{202E}b", .invalidNameCharacter(scalar: "\u{202E}", "invisible formatting characters are not allowed")),
        ("a\u{200B}b", .invalidNameCharacter(scalar: "\u{200B}", "invisible formatting characters are not allowed")),
        ("a\u{E000}b", .invalidNameCharacter(scalar: "\u{E000}", "private-use characters are not allowed")),
        ("a\u{FFFF}", .invalidNameCharacter(scalar: "\u{FFFF}", "it is a Unicode noncharacter")),
        ("a\u{3000}b", .invalidNameCharacter(scalar: "\u{3000}", "whitespace is not allowed (a '+' sent unencoded in a URL becomes a space)")),
        // A full-width asterisk is allowed as a character, but its compatibility form is the separator.
        ("bob\u{FF0A}evil.com", .invalidNameCharacter(scalar: "*", "'*' separates the name from the domain")),
        (String(repeating: "x", count: 129), .nameTooLong(bytes: 129)),
    ])
    func invalidNames(text: String, expected: AddressError) {
        #expect(throws: expected) { try UserName(text) }
    }

    @Test("every ASCII character gets the verdict the Unicode properties give, without reading them")
    func asciiCharacterRules() {
        for value in UInt8(0)...0x7F where value != UInt8(ascii: "*") && value != UInt8(ascii: ">") {
            let scalar = Unicode.Scalar(value)
            #expect(UserName.problem(with: scalar) == UserName.unicodeProblem(with: scalar), "U+\(String(value, radix: 16))")
        }
    }

    @Test("ASCII names, which skip normalisation, get the key and verdict of the general rule")
    func asciiFastPath() throws {
        let printable = (0x20...0x7E).map { String(UnicodeScalar(UInt8($0))) }
        for name in printable + ["Bob.Smith@Example.COM", "+14155550100", "A_b-C~1"] {
            let general = UserName.matchingKey(name.precomposedStringWithCompatibilityMapping)
            do {
                #expect(try UserName(name).key == general, "\(name)")
            } catch {
                #expect([" ", "*", ">"].contains(name), "\(name) refused: \(error)")
            }
        }
        for control in ["\u{0}", "\u{1F}", "\u{7F}", "a\tb"] {
            #expect(throws: AddressError.self) { try UserName(control) }
        }
    }

    @Test func matchingIgnoresCaseAndCompatibilityForms() throws {
        func key(_ text: String) throws -> String { try UserName(text).key }
        #expect(try key("Bob") == key("bob"))
        #expect(try key("BOB") == key("ｂｏｂ"))  // full-width letters
        #expect(try key("Straße") == key("STRASSE"))
        #expect(try key("ΟΔΟΣ") == key("οδος"))  // final sigma folds like sigma
        #expect(try key("Zoë") == key("ZOE\u{308}"))  // composed and decomposed
        #expect(try key("ﬁsh") == key("FISH"))
        #expect(try key("bob") != key("bob1"))
        #expect(try key("İstanbul") != key("istanbul"))  // dotted capital I keeps its dot, as case folding does
        // The entered spelling is kept (in NFC) for replies.
        #expect(try UserName("ZOE\u{308}").text == "ZOË")
    }

    @Test(arguments: [
        ("example.org", "example.org"), ("Example.ORG", "example.org"), ("example.org.", "example.org"),
        ("localhost:8443", "localhost:8443"), ("fed.localhost:443", "fed.localhost:443"), ("stellar.test:8000", "stellar.test:8000"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"), ("a-b.c0", "a-b.c0"), ("localhost", "localhost"),
    ])
    func validDomains(text: String, expected: String) throws {
        #expect(try FederationDomain(text).description == expected)
    }

    @Test(arguments: [
        ("", AddressError.emptyDomain), (".", .emptyDomain), ("example..org", .emptyLabel), (".example.org", .emptyLabel),
        ("exa_mple.org", .invalidDomainCharacter("_")), ("bücher.example", .nonASCIIDomain),
        ("-a.org", .hyphenAtLabelEdge("-a")), ("a-.org", .hyphenAtLabelEdge("a-")),
        ("example.org:8443", .portNotAllowed("example.org")), ("localhost:0", .invalidPort("0")),
        ("localhost:65536", .invalidPort("65536")), ("localhost:", .invalidPort("")), ("localhost:08", .invalidPort("08")),
        (String(repeating: "a", count: 64) + ".org", .labelTooLong(String(repeating: "a", count: 64))),
        (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), .domainTooLong(255)),
    ])
    func invalidDomains(text: String, expected: AddressError) {
        #expect(throws: expected) { try FederationDomain(text) }
    }

    @Test func addresses() throws {
        let address = try StellarAddress("Bob*Example.org")
        #expect(address.description == "Bob*example.org")
        #expect(address.key == (try StellarAddress("bob*example.org.")).key)
        #expect(try StellarAddress("maria@gmail.com*stellar.org").name.text == "maria@gmail.com")
        #expect(try StellarAddress("bob*localhost:8443").domain.port == 8443)
        #expect(throws: AddressError.missingSeparator) { try StellarAddress("bob@example.org") }
        #expect(throws: AddressError.extraSeparator) { try StellarAddress("bob*evil*example.org") }
        #expect(throws: AddressError.emptyName) { try StellarAddress("*example.org") }
        #expect(throws: AddressError.emptyDomain) { try StellarAddress("bob*") }
    }

    @Test func recordsReportEveryBadField() throws {
        let record = try AddressRecord(
            address: "bob*example.org", accountID: "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ",
            memoType: "id", memo: "123")
        #expect(record.memo == .id(123))
        let error = #expect(throws: RecordError.self) {
            try AddressRecord(address: "bob", accountID: "GABC", memoType: "id", memo: "-1")
        }
        #expect(error?.problems.map(\.field) == ["address", "account_id", "memo"])
    }

    @Test func aMuxedAccountIsExplainedAsAccountAndMemo() {
        let error = #expect(throws: RecordError.self) {
            try AddressRecord(
                address: "bob*example.org", accountID: "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK")
        }
        #expect(
            error?.description
                == "account_id \"MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK\" is a muxed account; "
                + "store account_id GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ with memo_type id and memo 9223372036854775808")
    }
}
