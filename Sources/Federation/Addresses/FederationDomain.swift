/// The domain part of a Stellar address (`example.org` in `bob*example.org`).
///
/// - An RFC 1035 host name in ASCII: labels of letters, digits and hyphens, 1 to 63 characters, not starting or
///   ending with a hyphen; at most 253 characters in all. Internationalised domains are given in their `xn--` form.
/// - Case does not matter: the domain is kept in lower case, which is also what replies show.
/// - One trailing dot (`example.org.`) is accepted and removed: it names the same domain.
/// - A `:port` suffix is accepted only on names meant for local testing (`localhost`, `*.localhost`, `*.test`),
///   because the real stellar-sdk flow against a test server uses addresses such as `bob*localhost:8443`. Public
///   domains are served on 443 and never carry a port.
public struct FederationDomain: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The lower-case host name.
    public let host: String
    public let port: Int?

    public static let maximumLength = 253

    public init(_ input: String) throws(AddressError) {
        guard !input.isEmpty else { throw .emptyDomain }
        var text = Substring(input)
        var port: Int?
        // Searched in UTF-8, not by Character: grapheme breaking is most of the cost of a lookup's parsing otherwise.
        if let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) {
            let digits = text[text.utf8.index(after: colon)...]
            guard !digits.isEmpty, digits.utf8.count <= 5, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                !digits.hasPrefix("0"), let number = Int(digits), (1...65535).contains(number)
            else { throw .invalidPort(String(digits)) }
            port = number
            text = text[..<colon]
        }
        if text.utf8.last == UInt8(ascii: ".") { text = text[..<text.utf8.index(before: text.endIndex)] }
        guard !text.isEmpty else { throw .emptyDomain }
        guard text.utf8.count <= Self.maximumLength else { throw .domainTooLong(text.utf8.count) }
        let host = String(text).lowercased()
        for label in host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            try Self.checkLabel(Substring(label))
        }
        if port != nil, !(host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".test")) {
            throw .portNotAllowed(host)
        }
        self.host = host
        self.port = port
    }

    /// `example.org` or `localhost:8443`: the form stored and shown in replies.
    public var description: String { port.map { "\(host):\($0)" } ?? host }

    public static func < (lhs: FederationDomain, rhs: FederationDomain) -> Bool { lhs.description < rhs.description }

    private static func checkLabel(_ label: Substring) throws(AddressError) {
        guard !label.isEmpty else { throw .emptyLabel }
        guard label.utf8.count <= 63 else { throw .labelTooLong(String(label)) }
        for byte in label.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): continue
            case 0x80...: throw .nonASCIIDomain
            default: throw .invalidDomainCharacter(String(decoding: [byte], as: UTF8.self))
            }
        }
        guard !label.hasPrefix("-"), !label.hasSuffix("-") else { throw .hyphenAtLabelEdge(String(label)) }
    }
}
