import Foundation

/// A Stellar address, `name*domain` (SEP-2): exactly one `*`, a valid ``UserName`` before it and a valid
/// ``FederationDomain`` after it.
public struct StellarAddress: Hashable, Sendable, CustomStringConvertible {
    public let name: UserName
    public let domain: FederationDomain

    public init(name: UserName, domain: FederationDomain) {
        self.name = name
        self.domain = domain
    }

    public init(_ text: String) throws(AddressError) {
        // Searched in UTF-8 (an ASCII '*' is always a scalar boundary), which is much cheaper than by Character.
        guard let star = text.utf8.firstIndex(of: UInt8(ascii: "*")) else { throw .missingSeparator }
        let domainText = text[text.utf8.index(after: star)...]
        guard domainText.utf8.firstIndex(of: UInt8(ascii: "*")) == nil else { throw .extraSeparator }
        self.init(name: try UserName(String(text[..<star])), domain: try FederationDomain(String(domainText)))
    }

    /// Two addresses of the same user: same domain, names equal ignoring case.
    public var key: AddressKey { AddressKey(domain: domain, nameKey: name.key) }

    /// `name*domain`, with the name as entered and the domain in lower case.
    public var description: String { "\(name.text)*\(domain)" }
}

/// What identifies an address for matching: the domain and the name's matching key.
public struct AddressKey: Hashable, Comparable, Sendable {
    public let domain: FederationDomain
    public let nameKey: String

    public static func < (lhs: AddressKey, rhs: AddressKey) -> Bool {
        (lhs.domain.description, lhs.nameKey) < (rhs.domain.description, rhs.nameKey)
    }
}

/// Why a name, domain or address is refused.
public enum AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingSeparator
    case extraSeparator
    case emptyName
    case nameTooLong(bytes: Int)
    case invalidNameCharacter(scalar: Unicode.Scalar, String)
    case emptyDomain
    case domainTooLong(Int)
    case emptyLabel
    case labelTooLong(String)
    case nonASCIIDomain
    case invalidDomainCharacter(String)
    case hyphenAtLabelEdge(String)
    case invalidPort(String)
    case portNotAllowed(String)

    public var description: String {
        switch self {
        case .missingSeparator:
            return "a Stellar address is NAME*DOMAIN, as in bob*example.org; the '*' is missing"
        case .extraSeparator:
            return "a Stellar address has exactly one '*' (NAME*DOMAIN); a name cannot contain '*'"
        case .emptyName:
            return "the name before '*' is empty"
        case .nameTooLong(let bytes):
            return "the name is \(bytes) bytes of UTF-8; at most \(UserName.maximumBytes) are allowed"
        case .invalidNameCharacter(let scalar, let reason):
            return "the name contains \(String(format: "U+%04X", scalar.value)): \(reason)"
        case .emptyDomain:
            return "the domain is empty; give one such as example.org"
        case .domainTooLong(let length):
            return "the domain is \(length) characters; a domain name has at most \(FederationDomain.maximumLength)"
        case .emptyLabel:
            return "the domain has an empty label (two dots in a row, or a leading dot)"
        case .labelTooLong(let label):
            return "the domain label \"\(label.prefix(20))…\" is longer than 63 characters"
        case .nonASCIIDomain:
            return "the domain is not ASCII; write an internationalised domain in its xn-- (punycode) form"
        case .invalidDomainCharacter(let character):
            return "the domain contains '\(character)'; only letters, digits, hyphens and dots are allowed"
        case .hyphenAtLabelEdge(let label):
            return "the domain label \"\(label)\" starts or ends with a hyphen"
        case .invalidPort(let port):
            return "\"\(port)\" after ':' is not a port number from 1 to 65535"
        case .portNotAllowed(let host):
            return "a port is only accepted on test names (localhost, *.localhost, *.test), not on \(host); drop the port"
        }
    }
}
