/// The few JSON shapes federation replies need, written byte for byte the same every time: keys keep the order
/// given, and nothing depends on a JSON library's formatting.
indirect enum JSONValue: Sendable {
    case string(String)
    case number(UInt64)
    case object([(String, JSONValue)])
    case array([JSONValue])

    /// SEP-2 replies: one line, no spaces, UTF-8 kept as is; only `"`, `\` and control characters are escaped.
    var compact: [UInt8] {
        var output: [UInt8] = []
        write(to: &output, indent: nil, phpEscapes: false)
        return output
    }

    /// The 2014 protocol's replies, as the PHP server's `json_encode(…, JSON_PRETTY_PRINT)` wrote them: four-space
    /// indent, `": "` after keys, `/` escaped as `\/`, and every non-ASCII character as a `\u` escape (UTF-16,
    /// lower-case hex). An empty object is `{}`.
    var phpPretty: [UInt8] {
        var output: [UInt8] = []
        write(to: &output, indent: 0, phpEscapes: true)
        return output
    }

    private func write(to output: inout [UInt8], indent: Int?, phpEscapes: Bool) {
        switch self {
        case .string(let text):
            Self.writeString(text, to: &output, phpEscapes: phpEscapes)
        case .number(let number):
            output.append(contentsOf: String(number).utf8)
        case .object(let members):
            guard !members.isEmpty else {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if let indent { Self.newline(&output, indent: indent + 1) }
                Self.writeString(key, to: &output, phpEscapes: phpEscapes)
                output.append(contentsOf: indent == nil ? ":".utf8 : ": ".utf8)
                value.write(to: &output, indent: indent.map { $0 + 1 }, phpEscapes: phpEscapes)
            }
            if let indent { Self.newline(&output, indent: indent) }
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if let indent { Self.newline(&output, indent: indent + 1) }
                element.write(to: &output, indent: indent.map { $0 + 1 }, phpEscapes: phpEscapes)
            }
            if let indent, !elements.isEmpty { Self.newline(&output, indent: indent) }
            output.append(UInt8(ascii: "]"))
        }
    }

    private static func newline(_ output: inout [UInt8], indent: Int) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 4))
    }

    private static func writeString(_ text: String, to output: inout [UInt8], phpEscapes: Bool) {
        output.append(UInt8(ascii: "\""))
        // Most strings (addresses, account IDs, memos) need no escape at all: copied in one go.
        let needsEscape = text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                || (phpEscapes && (byte == UInt8(ascii: "/") || byte >= 0x80))
        }
        guard needsEscape else {
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append(contentsOf: #"\""#.utf8)
            case "\\": output.append(contentsOf: #"\\"#.utf8)
            case "\n": output.append(contentsOf: #"\n"#.utf8)
            case "\r": output.append(contentsOf: #"\r"#.utf8)
            case "\t": output.append(contentsOf: #"\t"#.utf8)
            case "\u{08}": output.append(contentsOf: #"\b"#.utf8)
            case "\u{0C}": output.append(contentsOf: #"\f"#.utf8)
            case "/" where phpEscapes: output.append(contentsOf: #"\/"#.utf8)
            case _ where scalar.value < 0x20 || (phpEscapes && scalar.value > 0x7F):
                for unit in String(scalar).utf16 { appendEscape(unit, to: &output) }
            default:
                output.append(contentsOf: scalar.utf8)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ unit: UInt16, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(contentsOf: #"\u"#.utf8)
        for shift in [12, 8, 4, 0] { output.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
    }
}
