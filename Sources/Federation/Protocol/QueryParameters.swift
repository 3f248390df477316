/// The parameters of a federation request's query string, in the order they came.
///
/// Two ways in, one set of rules:
/// - ``init(rawQuery:)`` takes the query exactly as it arrived (after `?`, before any `#`) and decodes it as
///   `application/x-www-form-urlencoded`: `%XX` escapes (either case of hex), and `+` as a space.
/// - ``init(decoded:)`` takes items an HTTP framework has already decoded.
///
/// The `+` pitfall: form decoding turns a raw `+` into a space, so a client that sends
/// `q=+14155550100*example.org` unencoded reaches us as `" 14155550100*example.org"`. Well-behaved clients send
/// `%2B`. Because a space is never valid in a name, the federation responder reads a name that is one space followed
/// by digits as the phone number it must have been (see ``FederationQueryAnswerer``).
///
/// Refused, each with a typed ``QueryError``: a query longer than ``maximumLength`` bytes (414), a `%` not followed
/// by two hex digits, bytes that do not decode to UTF-8, and a parameter without a name (400). Repeated parameters
/// are kept here and refused by ``uniqueValues()`` (400), so that the error can be given in the request's protocol.
public struct QueryParameters: Hashable, Sendable {
    public struct Item: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var items: [Item]

    /// 2 KiB: a federation query is an address of at most a few hundred bytes, and forward requests a handful of
    /// short fields; anything longer is not a federation request. (Common HTTP servers cap whole request lines at
    /// 4 to 8 KiB, so well-formed clients never come near this.)
    public static let maximumLength = 2048

    public init(rawQuery: some StringProtocol) throws(QueryError) {
        try self.init(rawQuery: Array(rawQuery.utf8))
    }

    public init(rawQuery bytes: [UInt8]) throws(QueryError) {
        try self.init(bytes, maximumLength: Self.maximumLength)
    }

    /// An `application/x-www-form-urlencoded` request body: the same rules as a query, within the body's own limit.
    public init(formBody bytes: [UInt8]) throws(QueryError) {
        try self.init(bytes, maximumLength: RequestFields.maximumBodyBytes)
    }

    private init(_ bytes: [UInt8], maximumLength: Int) throws(QueryError) {
        guard bytes.count <= maximumLength else { throw .tooLong(bytes.count) }
        var query = bytes[...]
        if query.first == UInt8(ascii: "?") { query = query.dropFirst() }
        var items: [Item] = []
        for segment in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = segment.firstIndex(of: UInt8(ascii: "="))
            let rawName = segment[..<(equals ?? segment.endIndex)]
            let rawValue = equals.map { segment[segment.index(after: $0)...] } ?? []
            let name = try Self.decode(rawName, offset: rawName.startIndex - bytes.startIndex, parameter: nil)
            guard !name.isEmpty else { throw .missingName(offset: segment.startIndex - bytes.startIndex) }
            let value = try Self.decode(rawValue, offset: rawValue.startIndex - bytes.startIndex, parameter: name)
            items.append(Item(name: name, value: value))
        }
        self.items = items
    }

    public init(decoded pairs: [(name: String, value: String)]) throws(QueryError) {
        let length = pairs.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 }
        guard length <= Self.maximumLength else { throw .tooLong(length) }
        var items: [Item] = []
        for pair in pairs {
            guard !pair.name.isEmpty else { throw .missingName(offset: nil) }
            items.append(Item(name: pair.name, value: pair.value))
        }
        self.items = items
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    public func contains(_ name: String) -> Bool { items.contains { $0.name == name } }

    /// Every parameter once; a parameter given twice is refused, because which copy a client meant is a guess.
    public func uniqueValues() throws(QueryError) -> [String: String] {
        var values: [String: String] = [:]
        for item in items {
            guard values.updateValue(item.value, forKey: item.name) == nil else { throw .repeated(item.name) }
        }
        return values
    }

    /// Each name once with its first value, in the order first seen: what the legacy protocol echoes back.
    public var firstOccurrences: [Item] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0.name).inserted }
    }

    private static func decode(_ raw: ArraySlice<UInt8>, offset: Int, parameter: String?) throws(QueryError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard raw.endIndex - index >= 3, let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2])
                else { throw .badPercentEncoding(offset: offset + (index - raw.startIndex)) }
                bytes.append(high << 4 | low)
                index += 3
            default:
                bytes.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(parameter: parameter) }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a query string cannot be read.
public enum QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooLong(Int)
    case badPercentEncoding(offset: Int)
    case invalidUTF8(parameter: String?)
    case missingName(offset: Int?)
    case repeated(String)

    /// The reply to a query that cannot be read: SEP-2's error shape, since which protocol was meant cannot be told.
    public var response: FederationResponse { .sep2Error(status, description) }

    /// 414 for an overlong query, 400 for the rest.
    public var status: Int {
        if case .tooLong = self { return 414 }
        return 400
    }

    public var description: String {
        switch self {
        case .tooLong(let length):
            return "the query is \(length) bytes; federation queries are limited to \(QueryParameters.maximumLength)"
        case .badPercentEncoding(let offset):
            return "the query has a '%' at byte \(offset + 1) that is not followed by two hex digits; encode '%' as %25"
        case .invalidUTF8(let parameter):
            let place = parameter.map { "the value of \($0)" } ?? "a parameter name"
            return "\(place) is not valid UTF-8 once percent-decoded; percent-encode UTF-8 bytes"
        case .missingName:
            return "the query has a value without a parameter name (\"=…\"); send name=value pairs"
        case .repeated(let name):
            return "the parameter \(name) is given more than once; send it once"
        }
    }
}
