import Foundation

/// A request turned away with a status and a message: the reply is SEP-2's `{"error": …}` shape with the standard
/// headers (JSON, CORS, no-store) and any extra ones (`Retry-After`, `WWW-Authenticate`).
public struct RefusedRequest: Error, Hashable, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var headers: [HeaderField]

    public init(_ status: Int, _ message: String, headers: [HeaderField] = []) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var response: FederationResponse { .sep2Error(status, message, extraHeaders: headers) }

    public var description: String { "\(status): \(message)" }
}

/// The fields of a small request body sent as JSON (an object of strings) or as an HTML form
/// (`application/x-www-form-urlencoded`), the two forms SEP-10 asks servers to accept.
public enum RequestFields {
    /// A signed challenge is about a kilobyte; nothing posted here comes near this.
    public static let maximumBodyBytes = 16 * 1024

    /// The fields by name. A body without a content type is read as JSON when it starts with `{`, else as a form.
    /// Values that are not strings, repeated fields, and other content types are refused (400, 415).
    public static func parse(_ body: [UInt8], contentType: String?) throws(RefusedRequest) -> [String: String] {
        guard body.count <= maximumBodyBytes else {
            throw RefusedRequest(413, "the request body is \(body.count) bytes; at most \(maximumBodyBytes) are accepted")
        }
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let isJSON: Bool
        switch mediaType {
        case "application/json": isJSON = true
        case "application/x-www-form-urlencoded": isJSON = false
        case nil, "", "text/plain": isJSON = body.first { !Character(Unicode.Scalar($0)).isWhitespace } == UInt8(ascii: "{")
        case let other?:
            throw RefusedRequest(415, "the body is \(other.prefix(60)); send application/json or application/x-www-form-urlencoded")
        }
        if body.allSatisfy({ Character(Unicode.Scalar($0)).isWhitespace }) { return [:] }
        return isJSON ? try json(body) : try form(body)
    }

    private static func json(_ body: [UInt8]) throws(RefusedRequest) -> [String: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw RefusedRequest(400, "the body is not a JSON object")
        }
        var fields: [String: String] = [:]
        for (name, value) in object {
            if value is NSNull { continue }
            guard let text = value as? String else {
                throw RefusedRequest(400, "\(name.prefix(40)) must be a string")
            }
            fields[name] = text
        }
        return fields
    }

    private static func form(_ body: [UInt8]) throws(RefusedRequest) -> [String: String] {
        do {
            return try QueryParameters(formBody: body).uniqueValues()
        } catch {
            throw RefusedRequest(400, "the form body cannot be read: \(error)")
        }
    }
}
