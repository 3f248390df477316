import Federation
import HTTPTypes
import NIOCore

/// The Federation core speaks in plain values (status, header list, bytes); these turn them into swift-http-types'.
extension HTTPFields {
    init(_ fields: [HeaderField]) {
        self.init()
        reserveCapacity(fields.count + 4)
        for field in fields {
            // The core's header names are constants of its own, all valid tokens.
            guard let name = Self.knownNames[field.name] ?? HTTPField.Name(field.name) else { continue }
            append(HTTPField(name: name, value: field.value))
        }
    }

    /// The names the core uses (its standard reply headers, `Allow` on 405, `ETag` on discovery files), parsed once:
    /// checking a name's characters costs more than the rest of a header.
    private static let knownNames: [String: HTTPField.Name] = Dictionary(
        uniqueKeysWithValues: (FederationResponse.standardHeaders.map(\.name) + ["Allow", "ETag"]).compactMap { name in
            HTTPField.Name(name).map { (name, $0) }
        })
}

extension SiteResponse {
    /// A core reply as a route's answer, before the site's rules.
    init(_ reply: FederationResponse) {
        self.init(
            status: HTTPResponse.Status(code: reply.status), fields: HTTPFields(reply.headers),
            body: ByteBuffer(bytes: reply.body))
    }
}
