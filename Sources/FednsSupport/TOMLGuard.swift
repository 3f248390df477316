/// A check of TOML text for what the TOML parser under TOMLKit (toml++ 3) cannot survive, run before handing text
/// to it.
///
/// toml++ asserts, instead of reporting an error, when a table header's key starts with a character no key can
/// start with (`[=]`, `[#]`, `[.a]`, `[[=]]`, a newline right after `[`), and when an array has a `}` where a value
/// must come (`[}]`, `[1,}]`), and when a date's `T` is not followed by a digit in a value that has a colon
/// (`1979-05-27T:00`): the process aborts (where the assertion is compiled out, the compiler is told to
/// assume the impossible instead, which is undefined behaviour). All found by the `config` fuzz target (fuzz/). Every TOML text fedns reads (its configuration, `FEDNS_*` overrides, the operator's
/// stellar.toml, and a stellar.toml fetched by `fedns federation check`) passes here first.
public enum TOMLGuard {
    /// Where the text is refused, 1-based, and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String

        public var description: String { "not valid TOML at line \(line), column \(column): \(message)" }
    }

    /// The first table header whose key cannot start where it does, or array value that starts with `}`, or nil. Only
    /// what toml++ reads as a table header is looked at as one: a `[` first on a line outside any value (an array may
    /// span lines, and a line of it may start with `[`) and outside multi-line strings and comments.
    public static func problem(in text: String) -> Problem? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var lineStart = 0
        var onlySpaceSoFar = true
        /// The brackets of the values open here (`[` an array, `{` an inline table), innermost last.
        var open: [UInt8] = []
        /// Right after an array's `[` or one of its commas (spaces, line breaks and comments aside): a value or `]`
        /// must come.
        var arrayValueDue = false
        /// The last byte that was not a space, tab or comment: whether a value may start here.
        var previous = UInt8(ascii: "\n")

        func at(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
        func newline() {
            line += 1
            lineStart = index + 1
            onlySpaceSoFar = true
        }
        /// Moves past a string opened at `index` (basic with escapes, or literal), single- or multi-line.
        func skipString(quote: UInt8) {
            let multiline = at(index + 1) == quote && at(index + 2) == quote
            index += multiline ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                    index += 1  // the backslash; then the escaped byte, which may be a line break
                    if at(index) == UInt8(ascii: "\n") { newline() }
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    guard multiline else { return }  // an unterminated one-line string: the parser reports it
                    newline()
                } else if byte == quote, !multiline || (at(index + 1) == quote && at(index + 2) == quote) {
                    index += multiline ? 3 : 1
                    // Up to two more quotes may close a multi-line string (`""""` ends with a quote inside).
                    while multiline, at(index) == quote { index += 1 }
                    return
                }
                index += 1
            }
        }

        /// `YYYY-MM-DDT` (or `t`) then something other than a digit, where a value starts.
        func dateWithoutTime(at start: Int) -> Bool {
            let digits = [0, 1, 2, 3, 5, 6, 8, 9]
            for offset in digits where !(at(start + offset).map { $0 >= 0x30 && $0 <= 0x39 } ?? false) { return false }
            guard at(start + 4) == UInt8(ascii: "-"), at(start + 7) == UInt8(ascii: "-"),
                at(start + 10) == UInt8(ascii: "T") || at(start + 10) == UInt8(ascii: "t")
            else { return false }
            guard let next = at(start + 11) else { return false }
            return !(next >= 0x30 && next <= 0x39)
        }

        while index < bytes.count {
            let byte = bytes[index]
            let before = previous
            if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "#") {
                previous = byte
            }
            switch byte {
            case UInt8(ascii: "\n"):
                newline()
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                onlySpaceSoFar = false
                arrayValueDue = false
                skipString(quote: byte)
            case UInt8(ascii: "[") where onlySpaceSoFar && open.isEmpty:
                // A table header: `[`, or `[[`, spaces or tabs, then the key.
                var key = index + 1
                if at(key) == UInt8(ascii: "[") { key += 1 }
                while at(key) == UInt8(ascii: " ") || at(key) == UInt8(ascii: "\t") { key += 1 }
                if let first = at(key), !isKeyStart(first) {
                    return Problem(
                        line: line, column: key - lineStart + 1,
                        message: "a table header must start with a key (letters, digits, - and _, or a quoted key)")
                }
                // The rest of the header line is the parser's to judge; its brackets are not a value's.
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
                    if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                        skipString(quote: bytes[index])
                    } else {
                        index += 1
                    }
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                onlySpaceSoFar = false
                open.append(byte)
                arrayValueDue = byte == UInt8(ascii: "[")
                index += 1
            case UInt8(ascii: "}") where arrayValueDue && open.last == UInt8(ascii: "["):
                return Problem(line: line, column: index - lineStart + 1, message: "expected a value or ']' in the array, found '}'")
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                onlySpaceSoFar = false
                arrayValueDue = false
                _ = open.popLast()
                index += 1
            case UInt8(ascii: ","):
                onlySpaceSoFar = false
                arrayValueDue = open.last == UInt8(ascii: "[")
                index += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9")
            where (before == UInt8(ascii: "=") || (open.last == UInt8(ascii: "[") && (before == UInt8(ascii: "[") || before == UInt8(ascii: ",")))) && dateWithoutTime(at: index):
                return Problem(line: line, column: index - lineStart + 12, message: "expected a time after the date's 'T'")
            default:
                onlySpaceSoFar = false
                arrayValueDue = false
                index += 1
            }
        }
        return nil
    }

    /// A bare key character, a quote, or `]` (an empty header, which the parser reports itself).
    private static func isKeyStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
