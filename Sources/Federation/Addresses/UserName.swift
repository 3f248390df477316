import Foundation

/// The user part of a Stellar address (`bob` in `bob*example.org`).
///
/// Rules (SEP-2 says "printable UTF-8 without whitespace, `*` and `>`" and leaves the rest to the server):
/// - 1 to ``maximumBytes`` bytes of UTF-8 after NFC normalisation.
/// - No whitespace (Unicode `White_Space`), no `*`, no `>`, no control characters, no private-use, unassigned or
///   noncharacter code points, and no invisible format characters (bidi overrides, zero-width spaces, BOM) except
///   the zero-width joiner and non-joiner, which emoji and some scripts need.
/// - The same holds for the NFKC form, so a full-width `＊` cannot pose as the separator.
///
/// Matching ignores case and compatibility variants: two names are the same user when their ``key``s are equal.
/// The key is NFKC, then upper-case, then lower-case (full Unicode case mappings, no locale, which agrees with
/// Unicode case folding: `Straße` = `STRASSE`, `ΟΔΟΣ` = `οδος`), then NFC. It is computed here in Swift and stored
/// beside the name, so every store matches exactly alike, whatever its collation. ``text`` keeps the name as it
/// was entered (NFC), which is what replies show.
public struct UserName: Hashable, Sendable, CustomStringConvertible {
    /// The name as entered, in NFC.
    public let text: String
    /// The matching key.
    public let key: String

    /// A cap that fits e-mail-style names and E.164 numbers with room to spare while keeping queries small.
    public static let maximumBytes = 128

    public init(_ input: String) throws(AddressError) {
        guard !input.isEmpty else { throw .emptyName }
        // ASCII, most names, is its own NFC and NFKC form and folds case by ASCII's rules, so the normalisation
        // (Foundation's, the bulk of a lookup's cost) is skipped; the result is the same.
        let ascii = input.utf8.allSatisfy { $0 < 0x80 }
        let text = ascii ? input : input.precomposedStringWithCanonicalMapping
        guard text.utf8.count <= Self.maximumBytes else { throw .nameTooLong(bytes: text.utf8.count) }
        let compatible = ascii ? text : text.precomposedStringWithCompatibilityMapping
        for scalar in text.unicodeScalars {
            if let problem = Self.problem(with: scalar) { throw .invalidNameCharacter(scalar: scalar, problem) }
        }
        if !ascii {
            for scalar in compatible.unicodeScalars {
                if let problem = Self.problem(with: scalar) { throw .invalidNameCharacter(scalar: scalar, problem) }
            }
        }
        self.text = text
        self.key = ascii ? text.lowercased() : Self.matchingKey(compatible)
    }

    /// The same name but with another spelling (`Bob` for `bob`): same key.
    public func matches(_ other: UserName) -> Bool { key == other.key }

    public var description: String { text }

    static func matchingKey(_ compatible: String) -> String {
        compatible.uppercased().lowercased().precomposedStringWithCanonicalMapping
    }

    private static let whitespace = "whitespace is not allowed (a '+' sent unencoded in a URL becomes a space)"
    private static let control = "control characters are not allowed"

    static func problem(with scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "*": return "'*' separates the name from the domain"
        case ">": return "'>' is reserved by SEP-2"
        case "\u{200C}", "\u{200D}": return nil  // zero-width non-joiner and joiner: needed for emoji and scripts
        default: break
        }
        // ASCII, nearly every name, is answered without the Unicode property tables, which showed up in a lookup's
        // profile: White_Space there is tab to carriage return and space; the rest below 0x20, and DEL, is Cc.
        if scalar.isASCII {
            switch scalar.value {
            case 0x09...0x0D, 0x20: return whitespace
            case 0x00..<0x20, 0x7F: return control
            default: return nil
            }
        }
        return unicodeProblem(with: scalar)
    }

    /// The rule itself, from the Unicode properties.
    static func unicodeProblem(with scalar: Unicode.Scalar) -> String? {
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        if properties.isNoncharacterCodePoint { return "it is a Unicode noncharacter" }
        switch properties.generalCategory {
        case .control: return control
        case .format: return "invisible formatting characters are not allowed"
        case .privateUse: return "private-use characters are not allowed"
        case .unassigned: return "it is not an assigned Unicode character"
        case .surrogate: return "it is a lone surrogate"
        default: return nil
        }
    }
}
