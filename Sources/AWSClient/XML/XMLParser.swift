/// The single pass behind `XMLDocument.parse`: checks well-formedness and records every element's byte ranges.
///
/// Every read goes through `byte(at:)`, which answers nil past the end, so truncated input becomes
/// `XMLError.truncated` instead of an out-of-bounds trap.
struct XMLParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    private(set) var nodes: [XMLDocument.Node] = []
    /// Indices into `nodes` of the elements open at `position`, innermost last.
    private var open: [Int] = []
    private var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        // A rough guess (one element per 30 bytes) saves most of the array regrowth on large responses.
        nodes.reserveCapacity(bytes.count / 30)
    }

    mutating func parseDocument() throws(XMLError) {
        // A UTF-8 byte order mark is allowed before the declaration.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        try skipMisc()
        guard position < bytes.count else { throw XMLError(.noRootElement, at: position) }
        guard byte(at: position) == UInt8(ascii: "<") else { throw XMLError(.textOutsideRootElement, at: position) }
        try parseStartTag()
        while !open.isEmpty {
            guard let current = byte(at: position) else {
                throw XMLError(.truncated(openElement: open.last.map(qualifiedName)), at: position)
            }
            if current == UInt8(ascii: "<") {
                try parseMarkupInContent()
            } else {
                try scanText()
            }
        }
        try skipMisc()
        if position < bytes.count {
            throw XMLError(byte(at: position) == UInt8(ascii: "<") ? .contentAfterRootElement : .textOutsideRootElement,
                at: position)
        }
    }

    // MARK: - Markup

    /// At a `<` inside an element: an end tag, a comment, CDATA, an instruction or a child element.
    private mutating func parseMarkupInContent() throws(XMLError) {
        guard let next = byte(at: position + 1) else {
            throw XMLError(.truncated(openElement: open.last.map(qualifiedName)), at: position)
        }
        if next == UInt8(ascii: "/") {
            try parseEndTag()
        } else if try skipCommentOrInstruction() {
            markParentNotPlain()
        } else if matches("<![CDATA[", at: position) {
            try skip(past: "]]>", from: position + 9)
            markParentNotPlain()
        } else if next == UInt8(ascii: "!") {
            throw XMLError(.malformedTag("\"<!\" starts neither a comment nor CDATA"), at: position)
        } else {
            try parseStartTag()
        }
    }

    private mutating func parseStartTag() throws(XMLError) {
        guard open.count < maximumDepth else { throw XMLError(.nestingTooDeep(limit: maximumDepth), at: position) }
        let tagStart = position
        position += 1
        let (nameStart, localNameStart, nameEnd) = try scanName()
        var isEmptyElement = false
        // Attributes are checked for well-formedness and otherwise ignored: no AWS field lives in one.
        while true {
            let hadWhitespace = skipWhitespace()
            guard let current = byte(at: position) else { throw truncatedError() }
            if current == UInt8(ascii: ">") {
                position += 1
                break
            }
            if current == UInt8(ascii: "/") {
                guard let next = byte(at: position + 1) else { throw truncatedError() }
                guard next == UInt8(ascii: ">") else {
                    throw XMLError(.malformedTag("\"/\" not followed by \">\""), at: position)
                }
                position += 2
                isEmptyElement = true
                break
            }
            guard hadWhitespace else {
                throw XMLError(.malformedTag("attributes must be separated by whitespace"), at: position)
            }
            try skipAttribute()
        }

        let index = nodes.count
        nodes.append(
            XMLDocument.Node(
                nameStart: nameStart, localNameStart: localNameStart, nameEnd: nameEnd, tagStart: tagStart,
                contentStart: position, contentEnd: position, end: position))
        if let parent = open.last {
            if nodes[parent].lastChild >= 0 {
                nodes[nodes[parent].lastChild].nextSibling = index
            } else {
                nodes[parent].firstChild = index
            }
            nodes[parent].lastChild = index
        }
        if !isEmptyElement { open.append(index) }
    }

    private mutating func parseEndTag() throws(XMLError) {
        let tagStart = position
        position += 2
        let (nameStart, _, nameEnd) = try scanName()
        _ = skipWhitespace()
        guard let current = byte(at: position) else { throw truncatedError() }
        guard current == UInt8(ascii: ">") else {
            throw XMLError(.malformedTag("unexpected character in an end tag"), at: position)
        }
        position += 1
        guard let index = open.popLast() else {
            throw XMLError(.unexpectedEndTag(text(nameStart..<nameEnd)), at: tagStart)
        }
        let node = nodes[index]
        guard bytes[node.nameStart..<node.nameEnd].elementsEqual(bytes[nameStart..<nameEnd]) else {
            throw XMLError(
                .mismatchedEndTag(expected: qualifiedName(index), found: text(nameStart..<nameEnd)), at: tagStart)
        }
        nodes[index].contentEnd = tagStart
        nodes[index].end = position
    }

    /// A name, with where its local part starts (after the last `:`).
    private mutating func scanName() throws(XMLError) -> (start: Int, localStart: Int, end: Int) {
        let start = position
        var localStart = position
        while let current = byte(at: position), Self.isNameByte(current) {
            if current == UInt8(ascii: ":") { localStart = position + 1 }
            position += 1
        }
        guard position < bytes.count else { throw truncatedError() }
        guard position > start, let first = byte(at: start), Self.isNameStartByte(first), localStart < position else {
            throw XMLError(.invalidName, at: start)
        }
        return (start, localStart, position)
    }

    private mutating func skipAttribute() throws(XMLError) {
        _ = try scanName()
        _ = skipWhitespace()
        guard let equals = byte(at: position) else { throw truncatedError() }
        guard equals == UInt8(ascii: "=") else {
            throw XMLError(.malformedTag("an attribute name not followed by \"=\""), at: position)
        }
        position += 1
        _ = skipWhitespace()
        guard let quote = byte(at: position) else { throw truncatedError() }
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw XMLError(.malformedTag("an attribute value not in quotes"), at: position)
        }
        position += 1
        while let current = byte(at: position), current != quote {
            if current == UInt8(ascii: "<") {
                throw XMLError(.malformedTag("\"<\" inside an attribute value"), at: position)
            }
            if current == UInt8(ascii: "&") {
                position = try Self.referenceEnd(bytes, at: position)
            } else {
                position += 1
            }
        }
        guard position < bytes.count else { throw truncatedError() }
        position += 1
    }

    // MARK: - Text

    /// Character data up to the next `<`; references are checked here so decoding them later cannot fail.
    private mutating func scanText() throws(XMLError) {
        var plain = true
        while let current = byte(at: position), current != UInt8(ascii: "<") {
            if current == UInt8(ascii: "&") {
                position = try Self.referenceEnd(bytes, at: position)
                plain = false
            } else {
                position += 1
            }
        }
        if !plain { markParentNotPlain() }
    }

    /// Whitespace, comments and processing instructions (the XML declaration among them) around the root.
    private mutating func skipMisc() throws(XMLError) {
        repeat {
            _ = skipWhitespace()
        } while try skipCommentOrInstruction()
    }

    /// Skips a comment or processing instruction at `position`, if there is one. A document type declaration is
    /// refused wherever it appears.
    private mutating func skipCommentOrInstruction() throws(XMLError) -> Bool {
        if matches("<!--", at: position) {
            try skip(past: "-->", from: position + 4)
        } else if matches("<?", at: position) {
            try skip(past: "?>", from: position + 2)
        } else if matches("<!DOCTYPE", at: position) {
            throw XMLError(.documentTypeNotSupported, at: position)
        } else {
            return false
        }
        return true
    }

    private mutating func markParentNotPlain() {
        if let parent = open.last { nodes[parent].isPlainText = false }
    }

    // MARK: - Helpers

    private func byte(at index: Int) -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func matches(_ literal: StaticString, at index: Int) -> Bool {
        literal.withUTF8Buffer { expected in
            guard index + expected.count <= bytes.count else { return false }
            var offset = index
            for byte in expected {
                if bytes[offset] != byte { return false }
                offset += 1
            }
            return true
        }
    }

    /// Moves `position` past the first `terminator` at or after `start`.
    private mutating func skip(past terminator: StaticString, from start: Int) throws(XMLError) {
        var index = start
        while index < bytes.count {
            if matches(terminator, at: index) {
                position = index + terminator.utf8CodeUnitCount
                return
            }
            index += 1
        }
        throw truncatedError()
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while let current = byte(at: position), Self.isWhitespace(current) { position += 1 }
        return position > start
    }

    private func truncatedError() -> XMLError {
        XMLError(.truncated(openElement: open.last.map(qualifiedName)), at: bytes.count)
    }

    private func qualifiedName(_ index: Int) -> String {
        text(nodes[index].nameStart..<nodes[index].nameEnd)
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    private static func isNameStartByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), 0x80...0xFF:
            return true
        default:
            return false
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): return true
        default: return isNameStartByte(byte)
        }
    }
}

// MARK: - References and character data, shared by parsing (checking) and `XMLElement.text` (decoding)

extension XMLParser {
    /// The index just past a valid reference starting at the `&` at `start`.
    static func referenceEnd(_ bytes: [UInt8], at start: Int) throws(XMLError) -> Int {
        guard let (_, end) = try decodeReference(bytes, at: start) else {
            throw XMLError(.truncated(openElement: nil), at: start)
        }
        return end
    }

    /// The Unicode scalar a reference stands for and the index past its `;`; nil if the input ends first.
    static func decodeReference(_ bytes: [UInt8], at start: Int) throws(XMLError) -> (Unicode.Scalar, Int)? {
        // The longest valid reference is "&#x10FFFF;" (10 bytes); allow leading zeros up to a sane bound.
        let limit = min(bytes.count, start + 16)
        var semicolon = start + 1
        while semicolon < limit && bytes[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        guard semicolon < limit else {
            if limit == bytes.count { return nil }
            throw XMLError(.invalidReference(String(decoding: bytes[start..<limit], as: UTF8.self)), at: start)
        }
        let body = bytes[(start + 1)..<semicolon]
        let invalid = XMLError(
            .invalidReference(String(decoding: bytes[start...semicolon], as: UTF8.self)), at: start)
        let scalar: Unicode.Scalar?
        switch String(decoding: body, as: UTF8.self) {
        case "lt": scalar = "<"
        case "gt": scalar = ">"
        case "amp": scalar = "&"
        case "quot": scalar = "\""
        case "apos": scalar = "'"
        case let numeric where numeric.hasPrefix("#x"):
            scalar = UInt32(numeric.dropFirst(2), radix: 16).flatMap(validCharacter)
        case let numeric where numeric.hasPrefix("#"):
            scalar = UInt32(numeric.dropFirst(), radix: 10).flatMap(validCharacter)
        default:
            scalar = nil
        }
        guard let scalar else { throw invalid }
        return (scalar, semicolon + 1)
    }

    /// XML 1.0 `Char`: no NUL or other C0 controls except tab, newline and return (surrogates are not scalars).
    private static func validCharacter(_ value: UInt32) -> Unicode.Scalar? {
        guard value >= 0x20 || value == 0x09 || value == 0x0A || value == 0x0D else { return nil }
        guard value != 0xFFFE && value != 0xFFFF else { return nil }
        return Unicode.Scalar(value)
    }

    /// Appends the character data in `start..<end` (text, references resolved, CDATA) skipping comments and
    /// instructions. The range was checked while parsing; anything odd here is copied or skipped, never trapped on.
    static func appendCharacterData(_ bytes: [UInt8], from start: Int, to end: Int, into output: inout [UInt8]) {
        var index = start
        while index < end {
            let current = bytes[index]
            if current == UInt8(ascii: "&") {
                if let (scalar, next) = try? decodeReference(bytes, at: index), next <= end {
                    output.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index = next
                } else {
                    output.append(current)
                    index += 1
                }
            } else if current == UInt8(ascii: "<") {
                index = appendMarkup(bytes, at: index, end: end, into: &output)
            } else {
                output.append(current)
                index += 1
            }
        }
    }

    /// CDATA content is text; comments and instructions are not. Returns the index after the markup.
    private static func appendMarkup(_ bytes: [UInt8], at start: Int, end: Int, into output: inout [UInt8]) -> Int {
        func find(_ terminator: [UInt8], from index: Int) -> Int? {
            var candidate = index
            while candidate + terminator.count <= end {
                if bytes[candidate..<(candidate + terminator.count)].elementsEqual(terminator) { return candidate }
                candidate += 1
            }
            return nil
        }
        let rest = bytes[start..<end]
        if rest.starts(with: Array("<![CDATA[".utf8)), let close = find(Array("]]>".utf8), from: start + 9) {
            output.append(contentsOf: bytes[(start + 9)..<close])
            return close + 3
        }
        if rest.starts(with: Array("<!--".utf8)), let close = find(Array("-->".utf8), from: start + 4) {
            return close + 3
        }
        if rest.starts(with: Array("<?".utf8)), let close = find(Array("?>".utf8), from: start + 2) {
            return close + 2
        }
        return end
    }
}
