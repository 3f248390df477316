/// The one percent-encoding AWS uses everywhere: RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`) stay as
/// they are, every other UTF-8 byte becomes `%XX` with upper-case hex.
///
/// The styles differ only in two bytes. SigV4 keeps `/` in paths. Form bodies write a space as `+`, because moto
/// (and botocore behind it) re-encode the parsed form with Python's `quote_plus` before hashing it: any other
/// spelling of the same body fails its signature check (reference §2.3).
public enum PercentEncoding {
    public enum Style: Sendable {
        /// A query parameter name or value in a SigV4 canonical query string: everything but unreserved is encoded.
        case component
        /// A SigV4 canonical URI: like `component`, but `/` separates segments and stays.
        case path
        /// `application/x-www-form-urlencoded` as AWS query APIs expect: like `component`, with space as `+`.
        case form
    }

    public static func encode(_ text: some StringProtocol, _ style: Style) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (style == .path && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else if style == .form && byte == UInt8(ascii: " ") {
                output.append(UInt8(ascii: "+"))
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(Hex.upperDigits[Int(byte >> 4)])
                output.append(Hex.upperDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Undoes `%XX` escapes (a `+` stays a `+`, as SigV4 query strings mean it). Nil when an escape is broken.
    public static func decode(_ text: some StringProtocol) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = bytes.next().flatMap(Hex.value), let low = bytes.next().flatMap(Hex.value) else {
                return nil
            }
            output.append(high << 4 | low)
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// Hexadecimal digits for percent-escapes (upper case) and SigV4 digests (lower case).
enum Hex {
    static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            output.append(lowerDigits[Int(byte >> 4)])
            output.append(lowerDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
