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
        guard let tag, !tag.isEmpty else { return nil }
        // Most tags already are labels: keep the string (no copy) instead of rebuilding it scalar by scalar.
        if tag.utf8.count <= maxLabelLength, tag.utf8.allSatisfy(isLabelByte) { return tag }
        var label = String.UnicodeScalarView()
        for scalar in tag.lowercased().unicodeScalars {
            guard label.count < maxLabelLength else { break }
            switch scalar {
            case "a"..."z", "0"..."9", "-": label.append(scalar)
            default: label.append("-")
            }
        }
        return String(label)
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
        label(forNameTag: tag) != tag.lowercased()
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
