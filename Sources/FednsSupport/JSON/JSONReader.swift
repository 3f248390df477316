/// A pull reader over JSON text (RFC 8259), for documents fedns reads often and large (the inventory snapshot,
/// the control endpoint's document): values are read straight from the bytes into the caller's types, with no
/// tree of intermediate values. Foundation's `JSONDecoder` spent about 14 µs per instance building one.
///
/// Strict, with one leniency Foundation's decoder (which fedns used before) also has, a trailing comma in an array
/// or object: the whole grammar is checked (also inside values that are skipped), strings must be valid UTF-8
/// without raw control characters, nesting is bounded, and nothing may follow the document. Errors name where
/// in the document they are, the way `instances[3].id: required key is missing` does; the place is assembled only
/// when an error passes up through the objects and arrays around it, so reading costs nothing for it.
///
/// The hot paths are `@inlinable`: the closures a caller passes per key are then specialised into its loop.
public struct JSONReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var position = 0
    @usableFromInline var depth = 0
    /// Strings read with `interned: true`, so that values repeated across a document share one copy.
    @usableFromInline var interned = StringInterner()

    /// Values nested deeper than this are refused (a document of brackets must not exhaust the stack).
    public static let maxDepth = 256

    /// Reads the document in `bytes` with `body`, then checks that nothing but whitespace follows.
    @inlinable
    public static func read<Result>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws(JSONReadError) -> Result
    ) throws(JSONReadError) -> Result {
        var reader = JSONReader(bytes: bytes)
        let result = try body(&reader)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.syntaxError("unexpected text after the document") }
        return result
    }

    @usableFromInline
    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Containers

    /// Reads an object: `body` gets each key and must read or skip its value. Keys are compared as raw bytes
    /// (`JSONKey == "id"`), so no string is made for them.
    @inlinable
    public mutating func readObject(_ body: (inout JSONReader, JSONKey) throws(JSONReadError) -> Void) throws(JSONReadError) {
        try enterContainer(open: UInt8(ascii: "{"), "an object")
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                // A trailing comma, which Foundation's decoder accepted.
                position += 1
                return
            }
            guard peek() == UInt8(ascii: "\"") else { throw syntaxError("expected a key") }
            let key = try readKey()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw syntaxError("expected ':' after a key") }
            position += 1
            skipWhitespace()
            do throws(JSONReadError) {
                try body(&self, key)
            } catch {
                throw error.inside(.key(key.string))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw syntaxError("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array: `body` gets each index and must read or skip the element.
    @inlinable
    public mutating func readArray(_ body: (inout JSONReader, Int) throws(JSONReadError) -> Void) throws(JSONReadError) {
        try enterContainer(open: UInt8(ascii: "["), "an array")
        defer { depth -= 1 }
        _ = try readElements(from: 0, stoppingAt: nil, body)
    }

    /// The elements of an array whose `[` has been read, numbered from `index`, through its `]`; or, given
    /// `boundary`, up to the element that starts exactly there: then true, with the position on that element.
    @inlinable
    mutating func readElements(
        from index: Int, stoppingAt boundary: Int?, _ body: (inout JSONReader, Int) throws(JSONReadError) -> Void
    ) throws(JSONReadError) -> Bool {
        var index = index
        skipWhitespace()
        if index == 0, peek() == UInt8(ascii: "]") {
            position += 1
            return false
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                // A trailing comma, as for objects.
                position += 1
                return false
            }
            if position == boundary { return true }
            do throws(JSONReadError) {
                try body(&self, index)
            } catch {
                throw error.inside(.index(index))
            }
            index += 1
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return false
            default: throw syntaxError("expected ',' or ']' in an array")
            }
        }
    }

    /// Reads an array of many like elements (the inventory's instances) on two threads when it is large: the second
    /// half, from an element boundary found near the middle, on a `SecondThread`. The boundary is a guess (a `{`
    /// after a `,`, which a string may also hold), so the first half confirms it by arriving exactly there; when it
    /// does not, or the second half fails, the first simply reads on, and the result and any error are what one
    /// pass gives. Each half interns its own strings.
    public mutating func readLargeArray<Element: Sendable>(
        splittingAbove minimumBytes: Int = 1 << 20, _ read: @escaping @Sendable (inout JSONReader) throws(JSONReadError) -> Element
    ) throws(JSONReadError) -> [Element] {
        try enterContainer(open: UInt8(ascii: "["), "an array")
        defer { depth -= 1 }
        let boundary = bytes.count - position >= minimumBytes ? elementBoundary(near: position + (bytes.count - position) / 2) : nil
        return try readElements(splittingAt: boundary, read).elements
    }

    /// The elements of an array whose `[` has been read, those from `boundary` on read by a second thread; `split`
    /// says whether its half was used (the boundary was confirmed and its half read without error).
    mutating func readElements<Element: Sendable>(
        splittingAt boundary: Int?, _ read: @escaping @Sendable (inout JSONReader) throws(JSONReadError) -> Element
    ) throws(JSONReadError) -> (elements: [Element], split: Bool) {
        var first: [Element] = []
        let collect = { (reader: inout JSONReader, _: Int) throws(JSONReadError) in first.append(try read(&reader)) }
        guard let boundary else {
            _ = try readElements(from: 0, stoppingAt: nil, collect)
            return (first, false)
        }
        var second = JSONReader(bytes: bytes)
        second.position = boundary
        second.depth = depth
        let secondHalf = UncheckedSendable(second)
        let (stopped, rest) = try SecondThread.run({ () throws(JSONReadError) in
            try readElements(from: 0, stoppingAt: boundary, collect)
        }, alongside: {
            var reader = secondHalf.value
            var elements: [Element] = []
            let finished = try? reader.readElements(from: 0, stoppingAt: nil) { reader, _ throws(JSONReadError) in
                elements.append(try read(&reader))
            }
            return finished == nil ? nil : (elements, reader.position)
        })
        guard stopped else { return (first, false) }
        guard let (elements, end) = rest else {
            _ = try readElements(from: first.count, stoppingAt: nil, collect)
            return (first, false)
        }
        position = end
        // Growing the first half's array moves its elements; only the second half's are copied.
        first.reserveCapacity(first.count + elements.count)
        first += elements
        return (first, true)
    }

    /// Where an element may start at or after `offset`: the first `{` that follows a `,` and whitespace.
    func elementBoundary(near offset: Int) -> Int? {
        var index = offset
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: ",") {
                var probe = self
                probe.position = index + 1
                probe.skipWhitespace()
                if probe.peek() == UInt8(ascii: "{") { return probe.position }
            }
            index += 1
        }
        return nil
    }

    /// An array of strings.
    @inlinable
    public mutating func readStringArray() throws(JSONReadError) -> [String] {
        var strings: [String] = []
        try readArray { reader, _ throws(JSONReadError) in strings.append(try reader.readString()) }
        return strings
    }

    /// An object of string values as its pairs, in document order (repeated keys included); keys and values
    /// `interned` as `readString` does.
    @inlinable
    public mutating func readStringPairs(interned: Bool = false) throws(JSONReadError) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        pairs.reserveCapacity(8)  // tags: most instances have a handful
        try readObject { reader, key throws(JSONReadError) in
            let name = interned ? reader.interned.string(key) : key.string
            pairs.append((name, try reader.readString(interned: interned)))
        }
        return pairs
    }

    // MARK: Scalars

    /// Whether the next value is `null` (consumed when it is).
    @inlinable
    public mutating func readNull() -> Bool {
        skipWhitespace()
        guard matches("null") else { return false }
        position += 4
        return true
    }

    /// A string. `interned`: for values that repeat across the document (regions, states, tag keys and values),
    /// equal strings come back as one shared copy, which a 100,000-instance inventory otherwise holds 100,000
    /// times over.
    @inlinable
    public mutating func readString(interned: Bool = false) throws(JSONReadError) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw typeError("a string") }
        return try readStringLiteral(interned: interned)
    }

    /// A string, or nil for `null`.
    @inlinable
    public mutating func readOptionalString(interned: Bool = false) throws(JSONReadError) -> String? {
        readNull() ? nil : try readString(interned: interned)
    }

    public mutating func readBool() throws(JSONReadError) -> Bool {
        skipWhitespace()
        if matches("true") {
            position += 4
            return true
        }
        if matches("false") {
            position += 5
            return false
        }
        throw typeError("a boolean")
    }

    /// An integer in `range`; a fraction or exponent is refused.
    public mutating func readInteger(in range: ClosedRange<Int> = Int.min...Int.max) throws(JSONReadError) -> Int {
        skipWhitespace()
        let start = position
        try skipNumber()
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        guard let value = Int(String(decoding: text, as: UTF8.self)), range.contains(value) else {
            position = start
            throw typeError("an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Skips one value of any kind, checking its syntax.
    public mutating func skipValue() throws(JSONReadError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"): try readObject { reader, _ throws(JSONReadError) in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader, _ throws(JSONReadError) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try readStringLiteral(interned: false)
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"):
            guard readNull() else { throw syntaxError("expected a value") }
        default: try skipNumber()
        }
    }

    // MARK: Errors

    /// An error at the current place in the document (the place is filled in on the way out):
    /// `instances[2].launched: "yesterday" is not a date`.
    public func error(_ message: String) -> JSONReadError {
        JSONReadError(path: [], message: message)
    }

    /// The value here is not of the expected kind.
    @usableFromInline
    func typeError(_ expected: String) -> JSONReadError {
        if matches("null") { return error("expected \(expected), found null") }
        return error("expected \(expected)")
    }

    /// A required key is missing from the object just read: the error names the key.
    public func missingKey(_ key: String) -> JSONReadError {
        JSONReadError(path: [.key(key)], message: "required key is missing")
    }

    /// The text is not JSON: said of the document as a whole, with where it went wrong.
    @usableFromInline
    func syntaxError(_ message: String) -> JSONReadError {
        JSONReadError(path: [], message: "\(message) at byte \(position)", isSyntax: true)
    }

    // MARK: Lexing

    @inlinable @inline(__always)
    func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    @inlinable
    func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] { return false }
        return true
    }

    @inlinable @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    @inlinable
    mutating func enterContainer(open: UInt8, _ what: String) throws(JSONReadError) {
        skipWhitespace()
        guard peek() == open else {
            if peek() == nil { throw syntaxError("the document ends early") }
            throw typeError(what)
        }
        guard depth < Self.maxDepth else { throw syntaxError("values nested more than \(Self.maxDepth) deep") }
        depth += 1
        position += 1
    }

    @inlinable
    mutating func readKey() throws(JSONReadError) -> JSONKey {
        let start = position + 1
        var end = start
        var ascii = true
        // Keys without escapes are compared in place; one with escapes is decoded.
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            // ASCII is valid UTF-8; anything else is checked once here.
            guard ascii || String(validating: raw, as: UTF8.self) != nil else { throw syntaxError("a key is not UTF-8") }
            position = end + 1
            return JSONKey(raw: raw, decoded: nil)
        }
        return JSONKey(raw: nil, decoded: try readStringLiteral(interned: false))
    }

    /// The string literal at `position` (which is its opening quote).
    @inlinable
    mutating func readStringLiteral(interned: Bool) throws(JSONReadError) -> String {
        let start = position + 1
        var end = start
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if interned, let shared = self.interned.existing(raw) {
                    position = end + 1
                    return shared
                }
                let string: String
                if ascii {
                    string = String(decoding: raw, as: UTF8.self)
                } else if let valid = String(validating: raw, as: UTF8.self) {
                    string = valid
                } else {
                    throw syntaxError("a string is not UTF-8")
                }
                if interned { self.interned.keep(string, bytes: raw) }
                position = end + 1
                return string
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            guard byte >= 0x20 else { throw syntaxError("a raw control character in a string") }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        throw syntaxError("a string is not closed")
    }

    /// A string with escapes, decoded into bytes first.
    @usableFromInline
    mutating func readEscapedString(from start: Int) throws(JSONReadError) -> String {
        var decoded: [UInt8] = []
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: decoded, as: UTF8.self) else {
                    throw syntaxError("a string is not UTF-8")
                }
                position = index + 1
                return string
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { throw syntaxError("a string is not closed") }
                index += 1
                switch bytes[index] {
                case UInt8(ascii: "\""): decoded.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): decoded.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): decoded.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: index + 1)
                    index += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A surrogate pair: the low half must follow as another \u escape.
                        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\"),
                            bytes[index + 2] == UInt8(ascii: "u")
                        else { throw syntaxError("a lone surrogate in a \\u escape") }
                        let low = try hex4(at: index + 3)
                        guard (0xDC00...0xDFFF).contains(low) else { throw syntaxError("a lone surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw syntaxError("a lone surrogate in a \\u escape") }
                    decoded.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    throw syntaxError("an unknown escape in a string")
                }
                index += 1
            default:
                guard byte >= 0x20 else { throw syntaxError("a raw control character in a string") }
                decoded.append(byte)
                index += 1
            }
        }
        throw syntaxError("a string is not closed")
    }

    private func hex4(at index: Int) throws(JSONReadError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntaxError("a short \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntaxError("a bad \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(JSONReadError) {
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - first
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        let integer = position
        guard digits() > 0 else {
            position = start
            if peek() == nil { throw syntaxError("the document ends early") }
            throw typeError("a number")
        }
        if bytes[integer] == UInt8(ascii: "0"), position - integer > 1 {
            throw syntaxError("a number with a leading zero")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw syntaxError("a number without digits after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw syntaxError("a number without digits in its exponent") }
        }
    }
}

/// An object key as it stands in the document (valid while it is being read), compared without making a string
/// when it has no escapes.
public struct JSONKey {
    /// The key's bytes when it has no escapes (already checked to be UTF-8).
    @usableFromInline let raw: UnsafeRawBufferPointer?
    /// The key when it had escapes.
    @usableFromInline let decoded: String?

    @usableFromInline
    init(raw: UnsafeRawBufferPointer?, decoded: String?) {
        self.raw = raw
        self.decoded = decoded
    }

    public var string: String {
        decoded ?? raw.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @inlinable @inline(__always)
    public static func == (key: JSONKey, literal: StaticString) -> Bool {
        guard let raw = key.raw else { return key.string == literal.description }
        let count = literal.utf8CodeUnitCount
        guard raw.count == count else { return false }
        for offset in 0..<count where raw[offset] != literal.utf8Start[offset] { return false }
        return true
    }
}

/// A document that cannot be read: where, and what is wrong.
public struct JSONReadError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// From the document's top down: `instances`, `[3]`, `id`.
    public var path: [Component]
    public var message: String
    /// The text is not JSON at all (said of the document, with the byte where it went wrong).
    public var isSyntax = false

    public init(path: [Component], message: String, isSyntax: Bool = false) {
        self.path = path
        self.message = message
        self.isSyntax = isSyntax
    }

    /// The same error, one level further out: the key or index it happened under comes first.
    @usableFromInline
    func inside(_ component: Component) -> JSONReadError {
        guard !isSyntax else { return self }
        var outer = self
        outer.path.insert(component, at: 0)
        return outer
    }

    /// `instances[3].id`, or `document` for the document as a whole.
    public var place: String {
        guard !isSyntax else { return "document" }
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "document" : text
    }

    public var description: String { "\(place): \(message)" }
}

/// Equal strings of one document as one copy. Only strings long enough to live on the heap are kept (Swift holds
/// up to 15 UTF-8 bytes inline), and at most `capacity` of them, so a document of unique values costs a bounded
/// table and nothing more.
@usableFromInline
struct StringInterner {
    @usableFromInline var strings: [String] = []
    @usableFromInline var hashes: [UInt32] = []
    /// String index + 1, or 0 for an empty slot.
    @usableFromInline var slots: [Int32] = Array(repeating: 0, count: 1024)
    @usableFromInline static let capacity = 16_384
    /// Shorter strings are stored inline by Swift: sharing them saves nothing.
    @usableFromInline static let minimumLength = 16

    @usableFromInline
    init() {}

    @usableFromInline
    func existing(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= Self.minimumLength, !strings.isEmpty else { return nil }
        let hash = Self.hash(bytes)
        let mask = slots.count - 1
        var position = Int(hash) & mask
        while slots[position] != 0 {
            let index = Int(slots[position] - 1)
            if hashes[index] == hash, Self.equal(strings[index], bytes) { return strings[index] }
            position = (position + 1) & mask
        }
        return nil
    }

    @usableFromInline
    mutating func keep(_ string: String, bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumLength, strings.count < Self.capacity else { return }
        if (strings.count + 1) * 2 > slots.count {
            slots = Array(repeating: 0, count: slots.count * 2)
            for index in strings.indices { place(Int32(index), hash: hashes[index]) }
        }
        let hash = Self.hash(bytes)
        strings.append(string)
        hashes.append(hash)
        place(Int32(strings.count - 1), hash: hash)
    }

    /// A key's string, shared when the same key came before.
    @usableFromInline
    mutating func string(_ key: JSONKey) -> String {
        guard let raw = key.raw else { return key.string }
        if let shared = existing(raw) { return shared }
        let string = key.string
        keep(string, bytes: raw)
        return string
    }

    private mutating func place(_ index: Int32, hash: UInt32) {
        let mask = slots.count - 1
        var position = Int(hash) & mask
        while slots[position] != 0 { position = (position + 1) & mask }
        slots[position] = index + 1
    }

    private static func equal(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            guard utf8.count == bytes.count else { return false }
            guard let left = utf8.baseAddress, let right = bytes.baseAddress else { return true }  // both empty
            return memcmp(left, right, utf8.count) == 0
        }
    }

    /// Eight bytes at a time, multiplied and folded: the strings kept here are at least 16 bytes long.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let product = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                .multipliedFullWidth(by: 0xBF58_476D_1CE4_E5B9)
            hash = product.high ^ product.low
            offset += 8
        }
        // The last eight bytes (overlapping what came before when the length is not a multiple of eight).
        let product = (hash ^ base.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
            .multipliedFullWidth(by: 0xBF58_476D_1CE4_E5B9)
        hash = product.high ^ product.low
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
