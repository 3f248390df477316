import Testing

@testable import Federation

@Suite struct MemoTests {
    static let hashBytes = (0..<32).map { UInt8($0 * 7 % 256) }
    static let hashBase64 = "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk="
    static let hashHex = "00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9"

    @Test func textUpTo28Bytes() throws {
        #expect(try Memo(type: .text, value: "order 42") == .text("order 42"))
        let longest = String(repeating: "x", count: 28)
        #expect(try Memo(type: .text, value: longest).value == longest)
        #expect(throws: MemoError.textTooLong(bytes: 29)) { try Memo(type: .text, value: longest + "x") }
        // Bytes, not characters: 14 two-byte characters fit, 15 do not.
        #expect(try Memo(type: .text, value: String(repeating: "é", count: 14)).value.utf8.count == 28)
        #expect(throws: MemoError.textTooLong(bytes: 30)) { try Memo(type: .text, value: String(repeating: "é", count: 15)) }
        #expect(throws: MemoError.textHasControlCharacter) { try Memo(type: .text, value: "a\tb") }
        #expect(throws: MemoError.empty(.text)) { try Memo(type: .text, value: "") }
    }

    @Test func idIsPlainDecimalUInt64() throws {
        #expect(try Memo(type: .id, value: "0") == .id(0))
        #expect(try Memo(type: .id, value: "18446744073709551615") == .id(.max))
        #expect(try Memo(type: .id, value: "123").value == "123")
        #expect(throws: MemoError.idOutOfRange("18446744073709551616")) { try Memo(type: .id, value: "18446744073709551616") }
        #expect(throws: MemoError.idLeadingZero("007")) { try Memo(type: .id, value: "007") }
        for bad in ["+1", "-1", "1e3", " 1", "1 ", "0x10", "١٢"] {
            #expect(throws: MemoError.idNotDecimal(bad)) { try Memo(type: .id, value: bad) }
        }
    }

    @Test func hashAcceptsBase64OrHexAndRepliesBase64() throws {
        #expect(try Memo(type: .hash, value: Self.hashBase64) == .hash(Self.hashBytes))
        #expect(try Memo(type: .hash, value: Self.hashHex) == .hash(Self.hashBytes))
        #expect(try Memo(type: .hash, value: Self.hashHex.uppercased()).value == Self.hashBase64)
        #expect(throws: MemoError.hashWrongLength(bytes: 31)) {
            try Memo(type: .hash, value: "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0g==")
        }
        // Same bytes, but padding bits set: not the one canonical spelling.
        #expect(throws: MemoError.hashNotBase64OrHex) { try Memo(type: .hash, value: "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tl=") }
        #expect(throws: MemoError.hashNotBase64OrHex) { try Memo(type: .hash, value: String(Self.hashBase64.dropLast())) }
        #expect(throws: MemoError.hashNotBase64OrHex) { try Memo(type: .hash, value: String(Self.hashHex.dropLast()) + "!") }
    }

    @Test func typeAndValueComeTogether() throws {
        #expect(try Memo.from(type: nil, value: nil) == nil)
        #expect(try Memo.from(type: "", value: "") == nil)
        #expect(try Memo.from(type: "id", value: "5") == .id(5))
        #expect(throws: MemoError.valueWithoutType) { try Memo.from(type: nil, value: "5") }
        #expect(throws: MemoError.empty(.id)) { try Memo.from(type: "id", value: "") }
        #expect(throws: MemoError.unknownType("return")) { try Memo.from(type: "return", value: "5") }
    }
}
