import FednsSupport
import Foundation
import TestSupport
import Testing

/// `JSONReader` against the grammar (RFC 8259) and against Foundation's `JSONSerialization`, which must agree with
/// it on what is a document.
@Suite("JSONReader")
struct JSONReaderTests {
    /// Reads any document into Foundation-like values, so the reader's results can be compared with
    /// `JSONSerialization`'s.
    indirect enum Value: Equatable {
        case object([String: Value])
        case array([Value])
        case string(String)
        case number(String)
        case bool(Bool)
        case null
    }

    static func read(_ text: String) throws(JSONReadError) -> Value {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { bytes in
            Result { () throws(JSONReadError) in try JSONReader.read(bytes) { reader throws(JSONReadError) in try value(&reader) } }
        }
        return try result.get()
    }

    /// A value of any kind, by trying each reader in turn on a copy of the reader.
    static func value(_ reader: inout JSONReader) throws(JSONReadError) -> Value {
        if reader.readNull() { return .null }
        var attempt = reader
        if let string = try? attempt.readString() {
            reader = attempt
            return .string(string)
        }
        attempt = reader
        if let bool = try? attempt.readBool() {
            reader = attempt
            return .bool(bool)
        }
        attempt = reader
        if let integer = try? attempt.readInteger() {
            reader = attempt
            return .number(String(integer))
        }
        attempt = reader
        var object: [String: Value] = [:]
        if (try? attempt.readObject({ reader, key throws(JSONReadError) in object[key.string] = try value(&reader) })) != nil {
            reader = attempt
            return .object(object)
        }
        attempt = reader
        var array: [Value] = []
        if (try? attempt.readArray({ reader, _ throws(JSONReadError) in array.append(try value(&reader)) })) != nil {
            reader = attempt
            return .array(array)
        }
        try reader.skipValue()  // a number with a fraction or exponent: valid, not read as an integer here
        return .number("")
    }

    @Test(
        "values: escapes, surrogate pairs, nesting, whitespace, duplicate keys (the last wins)",
        arguments: [
            (#""a\"b\\c\/d\b\f\n\r\t""#, Value.string("a\"b\\c/d\u{8}\u{c}\n\r\t")),
            (#""\u00e9\u20AC\ud83d\ude00""#, .string("é€😀")),
            ("\"caf\u{e9} \u{1F600}\"", .string("café 😀")),
            (" [ 1 , -2 , 0 ] ", .array([.number("1"), .number("-2"), .number("0")])),
            (#"{"a":{"b":[true,false,null]}}"#, .object(["a": .object(["b": .array([.bool(true), .bool(false), .null])])])),
            (#"{"k":1,"k":2}"#, .object(["k": .number("2")])),
            (#"{"\u006b":"v"}"#, .object(["k": .string("v")])),
            ("[]", .array([])), ("{}", .object([:])),
            // A trailing comma, as Foundation's decoder accepted (and so fedns before this reader).
            ("[1,]", .array([.number("1")])), (#"{"a":true,}"#, .object(["a": .bool(true)])),
        ])
    func values(_ text: String, _ expected: Value) throws {
        #expect(try Self.read(text) == expected)
    }

    @Test(
        "malformed documents are refused, never trapped on",
        arguments: [
            "", " ", "[", "]", "{", "{\"a\"}", "{\"a\":}", "{,}", "[,]", "[1,,]", "[1 2]", "01", "-", "1.", "1e", "1e+",
            ".5", "+1", "tru", "nul", "\"unterminated", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"",
            "\"\\ud83d\\u0041\"", "\"tab\there\"", "[1] 2", "{\"a\":1}}", "{'a':1}", "[NaN]", "[Infinity]",
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ])
    func malformed(_ text: String) {
        #expect(throws: JSONReadError.self) { try Self.read(text) }
    }

    @Test("invalid UTF-8 in a string or a key is refused")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D]] {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(JSONReadError) in try JSONReader.read(raw) { reader throws(JSONReadError) in try Self.value(&reader) } }
            }
            #expect(throws: JSONReadError.self) { try result.get() }
        }
    }

    @Test("errors name the place: a missing key, a wrong type, null where a value is needed")
    func errorPaths() throws {
        func fail(_ text: String, _ body: (inout JSONReader) throws(JSONReadError) -> Void) -> String {
            let bytes = Array(text.utf8)
            let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONReadError) in try JSONReader.read(raw, body) } }
            do throws(JSONReadError) {
                try result.get()
                return "accepted"
            } catch {
                return error.description
            }
        }
        let list: (inout JSONReader) throws(JSONReadError) -> Void = { reader throws(JSONReadError) in
            try reader.readObject { reader, key throws(JSONReadError) in
                try reader.readArray { reader, _ throws(JSONReadError) in
                    try reader.readObject { reader, key throws(JSONReadError) in _ = try reader.readString() }
                }
            }
        }
        #expect(fail(#"{"items":[{"a":"x"},{"a":3}]}"#, list) == "items[1].a: expected a string")
        #expect(fail(#"{"items":[{"a":null}]}"#, list) == "items[0].a: expected a string, found null")
        #expect(fail(#"{"items":{}}"#, list) == "items: expected an array")
        #expect(fail(#"{"n":300}"#) { reader throws(JSONReadError) in
            try reader.readObject { reader, _ throws(JSONReadError) in _ = try reader.readInteger(in: 0...255) }
        } == "n: expected an integer from 0 to 255")
        #expect(fail(#"{"b":1} x"#) { reader throws(JSONReadError) in try reader.skipValue() }.hasPrefix("document: unexpected text"))
    }

    @Test("agrees with JSONSerialization on 20,000 generated and mutated documents")
    func agreesWithFoundation() throws {
        var generator = SplitMix64(seed: 2026)
        let pieces = ["{", "}", "[", "]", ",", ":", "\"k\"", "\"v\"", "1", "-0.5e3", "true", "null", " ", "\"\\u00e9\"", "\"\\n\"", "01", "\"\\q\""]
        var agreed = 0
        for _ in 0..<20_000 {
            var text = Self.document(depth: 0, using: &generator)
            // Mutate about half of them: insert, delete or replace a piece.
            if Bool.random(using: &generator), !text.isEmpty {
                var characters = Array(text)
                let at = Int.random(in: 0..<characters.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: characters.insert(contentsOf: pieces.randomElement(using: &generator)!, at: at)
                case 1: characters.remove(at: at)
                default: characters.replaceSubrange(at...at, with: pieces.randomElement(using: &generator)!)
                }
                text = String(characters)
            }
            let foundation =
                (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
            let ours = (try? Self.read(text)) != nil
            #expect(ours == foundation, "\(text)")
            if ours == foundation { agreed += 1 }
        }
        #expect(agreed == 20_000)
    }

    static func document(depth: Int, using generator: inout SplitMix64) -> String {
        let scalar = ["\"s\"", "\"é\\\"x\"", "0", "-12", "3.25", "1e9", "true", "false", "null"]
        guard depth < 4, Int.random(in: 0..<3, using: &generator) != 0 else { return scalar.randomElement(using: &generator)! }
        let count = Int.random(in: 0..<4, using: &generator)
        if Bool.random(using: &generator) {
            return "[" + (0..<count).map { _ in document(depth: depth + 1, using: &generator) }.joined(separator: ",") + "]"
        }
        return "{" + (0..<count).map { index in "\"k\(index)\" : " + document(depth: depth + 1, using: &generator) }
            .joined(separator: ",") + "}"
    }
}
