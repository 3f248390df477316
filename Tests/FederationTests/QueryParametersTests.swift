import Testing

@testable import Federation

@Suite struct QueryParametersTests {
    private func pairs(_ raw: String) throws -> [String] {
        try QueryParameters(rawQuery: raw).items.map { "\($0.name)=\($0.value)" }
    }

    @Test func decodesFormEncoding() throws {
        #expect(try pairs("type=name&q=bob*example.org") == ["type=name", "q=bob*example.org"])
        #expect(try pairs("?q=bob%2Aexample.org&type=name") == ["q=bob*example.org", "type=name"])
        #expect(try pairs("q=bob%2aexample.org") == ["q=bob*example.org"])
        #expect(try pairs("q=%2B14155550100*x.org") == ["q=+14155550100*x.org"])
        // A raw '+' is a space under form encoding: the phone-number pitfall.
        #expect(try pairs("q=+14155550100*x.org") == ["q= 14155550100*x.org"])
        #expect(try pairs("q=Zo%C3%AB*x.org") == ["q=Zoë*x.org"])
        #expect(try pairs("a=1&&b=&c") == ["a=1", "b=", "c="])
        #expect(try pairs("") == [])
    }

    @Test(arguments: [
        ("q=%", QueryError.badPercentEncoding(offset: 2)),
        ("q=%2", .badPercentEncoding(offset: 2)),
        ("q=abc%zz", .badPercentEncoding(offset: 5)),
        ("type=name&q=%G1", .badPercentEncoding(offset: 12)),
        ("q=%FF", .invalidUTF8(parameter: "q")),
        ("q=%C3", .invalidUTF8(parameter: "q")),
        ("q=%ED%A0%80", .invalidUTF8(parameter: "q")),  // an encoded surrogate
        ("%FF=1", .invalidUTF8(parameter: nil)),
        ("=1", .missingName(offset: 0)),
    ])
    func rejectsBadEncoding(raw: String, expected: QueryError) {
        #expect(throws: expected) { try QueryParameters(rawQuery: raw) }
        #expect(expected.status == 400)
    }

    @Test func rawInvalidUTF8Bytes() {
        #expect(throws: QueryError.invalidUTF8(parameter: "q")) { try QueryParameters(rawQuery: Array("q=".utf8) + [0xC0, 0x80]) }
    }

    @Test func capsTheLength() throws {
        let atLimit = "q=" + String(repeating: "a", count: QueryParameters.maximumLength - 2)
        #expect(try QueryParameters(rawQuery: atLimit).items.count == 1)
        #expect(throws: QueryError.tooLong(QueryParameters.maximumLength + 1)) { try QueryParameters(rawQuery: atLimit + "a") }
        #expect(QueryError.tooLong(1).status == 414)
        let decoded = [(name: "q", value: String(repeating: "a", count: QueryParameters.maximumLength))]
        #expect(throws: QueryError.tooLong(QueryParameters.maximumLength + 3)) { try QueryParameters(decoded: decoded) }
    }

    @Test func repeatedParametersAreRefusedWhenReadAsUnique() throws {
        let parameters = try QueryParameters(rawQuery: "type=name&q=a*b.org&q=c*d.org")
        #expect(throws: QueryError.repeated("q")) { try parameters.uniqueValues() }
        #expect(parameters.firstOccurrences.map(\.value) == ["name", "a*b.org"])
        let decoded = try QueryParameters(decoded: [(name: "type", value: "id"), (name: "type", value: "name")])
        #expect(throws: QueryError.repeated("type")) { try decoded.uniqueValues() }
    }
}
