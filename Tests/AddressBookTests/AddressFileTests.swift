import Testing

@testable import AddressBook
@testable import Federation

@Suite struct AddressFileTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    private func problems(_ text: String, _ format: AddressFile.Format) -> [String] {
        do {
            _ = try AddressFile.parse(text, format: format, source: "book")
            return []
        } catch {
            return error.problems.map { "\($0.location): \($0.message)" }
        }
    }

    @Test func csv() throws {
        // A BOM, columns in another order with spaces, CR LF, a blank line, quoted fields with commas and quotes.
        let valid =
            "\u{FEFF}memo, address ,account_id,memo_type\r\n" + "123,bob*example.org,\(Self.bob),id\r\n" + "\r\n"
            + "\"order, \"\"42\"\"\",\"shop*example.org\",\(Self.alice),text\r\n" + " , alice*example.org , \(Self.alice) ,\n"
        let records = try AddressFile.parse(valid, format: .csv, source: "book.csv")
        #expect(records.map(\.description) == [
            "bob*example.org -> \(Self.bob) memo id 123",
            "shop*example.org -> \(Self.alice) memo text order, \"42\"",
            "alice*example.org -> \(Self.alice)",
        ])
        // A quoted field over two lines: a problem in it is reported on the line the row starts.
        let error = #expect(throws: ImportError.self) {
            try AddressFile.parse(valid + "\"two\nlines\",x*example.org,\(Self.bob),\n,y*example.org,\(Self.bob),", format: .csv, source: "book.csv")
        }
        #expect(error?.problems == [.init(location: "line 6", message: "memo a memo is given without a memo type; add memo_type text, id or hash")])
    }

    @Test func csvListsEveryBadLine() {
        let text = """
            address,account_id,memo_type,memo
            bob*example.org,\(Self.bob),id,123
            bob smith*example.org,\(Self.bob),,
            carol*example.org,GABC,id,-5
            dave*example.org,\(Self.bob)
            BOB*example.org,\(Self.alice),,
            eve*example.org,\(Self.alice),text,this memo is far longer than twenty-eight bytes
            """
        #expect(problems(text, .csv) == [
            "line 3: address \"bob smith*example.org\": the name contains U+0020: whitespace is not allowed (a '+' sent unencoded in a URL becomes a space)",
            "line 4: account_id \"GABC\" is not a Stellar account ID: it is only 4 characters; Stellar keys have at least 56, so check that it was copied whole; memo id memo \"-5\" is not a whole number; write digits only, without sign or spaces",
            "line 5: has 2 fields; the header has 4",
            "line 6: BOB*example.org is already on line 2 (names match ignoring case)",
            "line 7: memo text memo is 47 bytes of UTF-8; Stellar allows at most 28",
        ])
    }

    @Test(arguments: [
        ("", ": the file is empty; it needs a header row"),
        ("address,account,memo\nx", "line 1: the header has no account_id column; the header is address,account_id,memo_type,memo"),
        ("address,account_id,address\n", "line 1: column \"address\" appears twice; the header is address,account_id,memo_type,memo"),
        ("address,account_id\n\"bob*example.org,\(bob)\n", "line 2: a quote opened here is never closed"),
        ("address,account_id\n\"bob\"x*example.org,\(bob)\n", "line 2: text after a closing quote; put the whole field in quotes"),
    ])
    func unreadableCSV(text: String, problem: String) {
        #expect(problems(text, .csv).first == problem)
    }

    @Test func json() throws {
        let text = """
            [{"address": "bob*example.org", "account_id": "\(Self.bob)", "memo_type": "id", "memo": "18446744073709551615"},
             {"address": "alice*example.org", "account_id": "\(Self.alice)", "memo_type": null, "memo": null}]
            """
        let records = try AddressFile.parse(text, format: .json, source: "book.json")
        #expect(records.map(\.memo) == [.id(.max), nil])

        let bad = """
            [{"address": "bob*example.org", "account_id": "\(Self.bob)", "memo_type": "id", "memo": 5},
             "carol*example.org",
             {"address": "dave*example.org", "account": "\(Self.bob)"},
             {"address": "ok*example.org", "account_id": "\(Self.bob)"},
             {"address": "Bob*example.org", "account_id": "\(Self.bob)", "memo_type": "hash", "memo": "abc"}]
            """
        #expect(problems(bad, .json) == [
            "entry 1: memo must be a JSON string (write ids as \"123\": numbers lose digits)",
            "entry 2: expected an object with address and account_id",
            "entry 3: unknown key \"account\" (known: address, account_id, memo_type, memo)",
            "entry 5: memo hash memo must be 32 bytes written as 64 hex digits or 44 characters of base64",
        ])
        #expect(problems("{\"address\": 1}", .json) == [": expected a JSON array of address objects"])
        #expect(problems("[{]", .json).first?.hasPrefix(": not valid JSON") == true)
    }

    @Test func csvExportReadsBack() throws {
        let records = [
            try AddressRecord(address: "bob*example.org", accountID: Self.bob, memoType: "text", memo: "a, \"b\" c"),
            try AddressRecord(address: "+1415*example.org", accountID: Self.alice),
        ]
        let text = AddressFile.csv(records)
        #expect(text.hasPrefix("address,account_id,memo_type,memo\nbob*example.org,\(Self.bob),text,\"a, \"\"b\"\" c\"\n"))
        #expect(try AddressFile.parse(text, format: .csv, source: "export") == records)
    }

    @Test func errorMessageListsEveryProblem() {
        let error = ImportError(source: "book.csv", problems: [.init(location: "line 2", message: "bad"), .init(location: "line 9", message: "worse")])
        #expect(error.description == "book.csv: 2 problems, nothing was imported:\n  line 2: bad\n  line 9: worse")
    }

    @Test func readingNeedsAKnownFormatAndAFile() {
        #expect(throws: ImportError(source: "book.txt", problems: [.init(location: "", message: "unknown format; name the file .csv or .json")])) {
            try AddressFile.read(path: "book.txt")
        }
        let error = #expect(throws: ImportError.self) { try AddressFile.read(path: "/nonexistent/book.csv") }
        #expect(error?.problems.first?.message.hasPrefix("cannot read it") == true)
    }
}
