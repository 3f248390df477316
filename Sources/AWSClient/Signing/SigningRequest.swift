/// An HTTP request as Signature Version 4 sees it.
public struct SigningRequest: Sendable, Hashable {
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public struct QueryItem: Sendable, Hashable {
        /// Decoded (not percent-encoded) text; the signer encodes it.
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    /// The path exactly as written in the request line, before any percent-encoding (`/`, `/example space/`).
    public var path: String
    public var query: [QueryItem]
    /// Headers in the order they will be sent; repeated names are allowed and keep their order.
    public var headers: [Header]
    public var body: [UInt8]

    public init(method: String, path: String = "/", query: [QueryItem] = [], headers: [Header], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}
