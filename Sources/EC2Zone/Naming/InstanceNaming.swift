import DNSWire
import Inventory

/// The label rules of the `.ec2` zone, shared with the companion commands so both agree on what a name means.
/// Which names exist (the forms and their precedence) is `NameForm` and `NameIndex`.
///
/// - A tag value becomes a label by lower-casing it, replacing every character outside `a-z0-9-` by `-` and
///   cutting it to 63 characters (`NAME`, and `VALUE` of the groups).
/// - `INSTANCE-ID`: the instance id, lower-cased.
/// - `REGION`: the instance's region as a label.
public enum InstanceNaming {
    public static let maxLabelLength = 63

    /// The DNS label for a `Name` tag, or nil when the tag is missing or empty.
    ///
    /// Works on Unicode scalars: `Café` becomes `caf-` (one scalar, one hyphen), so the label length is
    /// predictable from what people see in the console.
    public static func label(forNameTag tag: String?) -> String? {
        // Most tags already are labels: keep the string (no copy) instead of rebuilding it.
        if let tag, !tag.isEmpty, tag.utf8.count <= maxLabelLength, tag.utf8.allSatisfy(isLabelByte) { return tag }
        return labelBytes(forNameTag: tag).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The label as bytes (always ASCII), in one pass over the tag: the zone builds a name from every tag of every
    /// instance, so this must stay linear and make nothing but its result.
    static func labelBytes(forNameTag tag: String?) -> [UInt8]? {
        guard let tag, !tag.isEmpty else { return nil }
        var label: [UInt8] = []
        label.reserveCapacity(min(tag.utf8.count, maxLabelLength))
        var text = tag
        let ascii: [UInt8]? = text.withUTF8 { utf8 in
            // ASCII: lower-casing is per byte, and each byte is one scalar.
            guard utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
            for byte in utf8.prefix(maxLabelLength) { label.append(labelByte(asciiLowercase(byte))) }
            return label
        }
        if let ascii { return ascii }
        label.removeAll(keepingCapacity: true)
        for scalar in tag.lowercased().unicodeScalars {
            guard label.count < maxLabelLength else { break }
            label.append(scalar.isASCII ? labelByte(UInt8(scalar.value)) : UInt8(ascii: "-"))
        }
        return label
    }

    /// `a-z`, `0-9` and `-` stand; every other (lower-cased) byte becomes `-`.
    @inline(__always)
    private static func labelByte(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): byte
        default: UInt8(ascii: "-")
        }
    }

    /// The label of an instance: its normalised `Name` tag, or nil when untagged.
    public static func label(of instance: Instance) -> String? {
        label(forNameTag: instance.name)
    }

    /// The label an instance is always reachable by.
    public static func idLabel(of instance: Instance) -> String {
        instance.id.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) || !instance.id.utf8.allSatisfy({ $0 < 0x80 })
            ? instance.id.lowercased() : instance.id
    }

    @inline(__always)
    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-")
    }

    /// The label of the instance's region.
    public static func regionLabel(of instance: Instance) -> String {
        label(forNameTag: instance.region) ?? "unknown"
    }

    /// The label for a member number (`2` in `2.web.ec2`): decimal, counting from 1.
    public static func numberLabel(_ number: Int) -> String { String(number) }

    /// The member number a label stands for: decimal digits without a leading zero, from 1; nil for any other label.
    public static func number(inLabel label: Substring) -> Int? {
        guard let first = label.utf8.first, first != UInt8(ascii: "0"), label.utf8.count <= 9,
            label.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(label)
    }

    /// The label that names an instance canonically: its name label, or its id when untagged (used for PTR).
    public static func canonicalLabel(of instance: Instance) -> String {
        label(of: instance) ?? idLabel(of: instance)
    }

    /// True when the tag had to change beyond lower-casing to become a label (worth reporting to the operator).
    public static func tagNeedsRewriting(_ tag: String) -> Bool {
        if tag.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: the label is the tag lower-cased exactly when every byte is a letter, a digit or '-' and
            // there are no more than 63 of them.
            return tag.utf8.count > maxLabelLength
                || !tag.utf8.allSatisfy { labelByte(asciiLowercase($0)) == asciiLowercase($0) }
        }
        return label(forNameTag: tag) != tag.lowercased()
    }
}

/// How an instance's A record is chosen (`[dns] address`).
public enum AddressMode: String, Sendable, CaseIterable {
    /// The public IPv4 when the instance has one, else its private IPv4.
    case auto
    case `private`
    case `public`

    /// The IPv4 address text this mode picks for an instance.
    public func ipv4(of instance: Instance) -> String? {
        switch self {
        case .auto: return instance.publicIPv4 ?? instance.primaryPrivateIPv4
        case .private: return instance.primaryPrivateIPv4
        case .public: return instance.publicIPv4
        }
    }
}
