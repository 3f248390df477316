/// A domain name, kept in uncompressed wire form with its original case.
///
/// Equality and hashing ignore ASCII case (RFC 4343) while the bytes keep the case they arrived in, so a server
/// can match `WeB-1.Ec2` against `web-1.ec2` and still echo the query's spelling.
public struct DNSName: Sendable, CustomStringConvertible {
    /// Length-prefixed labels ending with the zero-length root label.
    public private(set) var wire: [UInt8]

    public static let root = DNSName(uncheckedWire: [0])
    public static let maxWireLength = 255
    public static let maxLabelLength = 63

    init(uncheckedWire: [UInt8]) { self.wire = uncheckedWire }

    /// Builds a name from raw labels, most specific first.
    public init<Labels: Sequence>(labels: Labels) throws(DNSWireError) where Labels.Element: Collection<UInt8> {
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        for label in labels {
            guard !label.isEmpty else { throw .invalidNameText("empty label") }
            guard label.count <= Self.maxLabelLength else { throw .labelTooLong }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        wire.append(0)
        guard wire.count <= Self.maxWireLength else { throw .nameTooLong }
        self.wire = wire
    }

    /// A name from its uncompressed wire form (length-prefixed labels, then the root's zero), checked.
    public init(wireForm wire: [UInt8]) throws(DNSWireError) {
        var labels: [ArraySlice<UInt8>] = []
        var index = 0
        while true {
            guard index < wire.count else { throw .truncated("name") }
            let length = Int(wire[index])
            if length == 0 {
                guard index == wire.count - 1 else { throw .invalidNameText("bytes after the root label") }
                break
            }
            guard length <= Self.maxLabelLength else { throw .labelTooLong }
            guard index + 1 + length <= wire.count else { throw .truncated("name") }
            labels.append(wire[(index + 1)...(index + length)])
            index += 1 + length
        }
        try self.init(labels: labels)
    }

    /// Parses presentation format (`web-1.ec2.` or `web-1.ec2`), with `\.` and `\DDD` escapes.
    /// A missing trailing dot is accepted: every name here is absolute.
    public init(_ text: String) throws(DNSWireError) {
        if text == "." || text.isEmpty {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        var sawTrailingDot = false
        while let byte = bytes.popFirst() {
            sawTrailingDot = false
            switch byte {
            case UInt8(ascii: "."):
                guard !current.isEmpty else { throw .invalidNameText("empty label in \"\(text)\"") }
                labels.append(current)
                current = []
                sawTrailingDot = true
            case UInt8(ascii: "\\"):
                guard let next = bytes.popFirst() else { throw .invalidNameText("dangling escape in \"\(text)\"") }
                if let d1 = Self.digit(next) {
                    guard let d2 = bytes.popFirst().flatMap(Self.digit), let d3 = bytes.popFirst().flatMap(Self.digit)
                    else { throw .invalidNameText("bad \\DDD escape in \"\(text)\"") }
                    let value = d1 * 100 + d2 * 10 + d3
                    guard value <= 255 else { throw .invalidNameText("escape above 255 in \"\(text)\"") }
                    current.append(UInt8(value))
                } else {
                    current.append(next)
                }
            default:
                current.append(byte)
            }
        }
        if !current.isEmpty {
            labels.append(current)
        } else if !sawTrailingDot {
            throw .invalidNameText("empty label in \"\(text)\"")
        }
        try self.init(labels: labels)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    public var isRoot: Bool { wire.count == 1 }

    /// The number of labels, not counting the root.
    public var labelCount: Int {
        var count = 0
        var index = 0
        while wire[index] != 0 {
            count += 1
            index += Int(wire[index]) + 1
        }
        return count
    }

    /// The labels, most specific first, without the root.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var index = 0
        while wire[index] != 0 {
            let length = Int(wire[index])
            result.append(wire[(index + 1)..<(index + 1 + length)])
            index += length + 1
        }
        return result
    }

    /// The name with its first `count` labels removed (`web-1.ec2.` dropping 1 is `ec2.`).
    public func droppingFirstLabels(_ count: Int) -> DNSName {
        var index = 0
        for _ in 0..<count where wire[index] != 0 {
            index += Int(wire[index]) + 1
        }
        return DNSName(uncheckedWire: Array(wire[index...]))
    }

    /// The name from the label that starts `offset` bytes into its wire form (a label boundary, as a lookup
    /// over the wire form finds it): `web-1.ec2.` from 6 is `ec2.`.
    public func suffix(fromWireOffset offset: Int) -> DNSName {
        DNSName(uncheckedWire: Array(wire[min(max(offset, 0), wire.count - 1)...]))
    }

    /// `label.self`.
    public func prepending(label: some Collection<UInt8>) throws(DNSWireError) -> DNSName {
        guard !label.isEmpty else { throw .invalidNameText("empty label") }
        guard label.count <= Self.maxLabelLength else { throw .labelTooLong }
        guard wire.count + label.count + 1 <= Self.maxWireLength else { throw .nameTooLong }
        var newWire: [UInt8] = [UInt8(label.count)]
        newWire.reserveCapacity(wire.count + label.count + 1)
        newWire.append(contentsOf: label)
        newWire.append(contentsOf: wire)
        return DNSName(uncheckedWire: newWire)
    }

    /// True when `self` is `other` or lies below it, label-aligned and ignoring case. Compares in place: this runs
    /// for every query, so it must not allocate.
    public func isSubdomain(of other: DNSName) -> Bool {
        let difference = wire.count - other.wire.count
        guard difference >= 0 else { return false }
        // Walk labels until exactly `difference` bytes are skipped; a suffix that does not start on a label
        // boundary is not a parent.
        var index = 0
        while index < difference {
            index += Int(wire[index]) + 1
        }
        guard index == difference else { return false }
        for offset in 0..<other.wire.count where asciiLowercase(wire[difference + offset]) != asciiLowercase(other.wire[offset]) {
            return false
        }
        return true
    }

    /// ASCII lower-case copy (used for index keys).
    public func lowercased() -> DNSName {
        DNSName(uncheckedWire: wire.map(asciiLowercase))
    }

    /// Presentation format with a trailing dot; bytes outside printable ASCII and the specials `.` `\` `"` `;`
    /// `(` `)` `@` `$` are escaped as `\DDD` or `\c`.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ";"),
                    UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                    text.append("\\")
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                case 0x21...0x7E:
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let digits = String(byte)
                    text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
            text.append(".")
        }
        return text
    }
}

@inline(__always)
public func asciiLowercase(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

extension DNSName: Hashable {
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.wire.count == rhs.wire.count else { return false }
        // Every query's name is compared here (the zone's dictionary): raw buffers, so no bounds check per byte.
        return lhs.wire.withUnsafeBufferPointer { left in
            rhs.wire.withUnsafeBufferPointer { right in
                for index in 0..<left.count where left[index] != right[index] {
                    if asciiLowercase(left[index]) != asciiLowercase(right[index]) { return false }
                }
                return true
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        // Length bytes are < 64 and so unaffected by lower-casing; hashing every byte keeps label boundaries.
        wire.withUnsafeBufferPointer { bytes in
            var chunk: UInt64 = 0
            var shift: UInt64 = 0
            for byte in bytes {
                chunk |= UInt64(asciiLowercase(byte)) << shift
                shift += 8
                if shift == 64 {
                    hasher.combine(chunk)
                    chunk = 0
                    shift = 0
                }
            }
            hasher.combine(chunk)
            hasher.combine(bytes.count)
        }
    }
}

extension DNSName: ExpressibleByStringLiteral {
    /// For literals in code and tests only; an invalid literal is a programming error caught at first use.
    public init(stringLiteral value: String) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("invalid DNSName literal \"\(value)\": \(error)")
        }
    }
}
