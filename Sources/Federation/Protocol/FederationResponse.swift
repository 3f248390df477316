/// One HTTP header the transport must set.
public struct HeaderField: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }
}

/// What the HTTP layer sends back for a federation request: the status, the headers and the body, complete.
/// The transport adds nothing but framing (and drops the body for HEAD).
public struct FederationResponse: Hashable, Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    /// Every federation reply carries these: JSON in UTF-8, CORS open to all origins (SEP-2 requires it on every
    /// response, errors included, whether or not the request had an `Origin`), and no caching (SEP-2: answers
    /// may change at any time).
    public static let standardHeaders = [
        HeaderField("Content-Type", "application/json; charset=utf-8"),
        HeaderField("Access-Control-Allow-Origin", "*"),
        HeaderField("Cache-Control", "no-store"),
    ]

    public init(status: Int, headers: [HeaderField] = FederationResponse.standardHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(status: Int, json: JSONValue, style: JSONStyle, extraHeaders: [HeaderField] = []) {
        self.init(
            status: status, headers: Self.standardHeaders + extraHeaders,
            body: style == .compact ? json.compact : json.phpPretty)
    }

    /// The value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as text, for logs and tests.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

enum JSONStyle {
    /// SEP-2.
    case compact
    /// The 2014 protocol (PHP `JSON_PRETTY_PRINT`).
    case phpPretty
}
