import DNSWire
import Inventory

/// The naming contract of the `.ec2` zone, shared with the companion commands so both agree on what a name means.
///
/// - `NAME.ec2`: the `Name` tag as a DNS label: lower-cased, every character outside `a-z0-9-` replaced by `-`,
///   cut to 63 characters.
/// - `INSTANCE-ID.ec2`: the instance id, lower-cased.
/// - `NAME.REGION.ec2`: the name qualified by the instance's region.
public enum InstanceNaming {
    public static let maxLabelLength = 63

    /// The DNS label for a `Name` tag, or nil when the tag is missing or empty.
    ///
    /// Works on Unicode scalars: `Café` becomes `caf-` (one scalar, one hyphen), so the label length is
    /// predictable from what people see in the console.
    public static func label(forNameTag tag: String?) -> String? {
        labelBytes(forNameTag: tag).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The label as bytes (always ASCII), in one pass over the tag: the zone builds a name from every tag of every
    /// instance, so this must stay linear and make nothing but its result.
    public static func labelBytes(forNameTag tag: String?) -> [UInt8]? {
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
        instance.id.lowercased()
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
