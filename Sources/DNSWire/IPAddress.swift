/// An IPv4 address as the four octets of an A record.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The address in host order (`10.0.0.1` is 0x0A000001).
    public var value: UInt32

    public init(value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Dotted-quad text; rejects leading zeros (ambiguous octal), empty parts and values above 255. Scans the
    /// UTF-8 bytes once without allocating: every instance address of every refresh passes through here.
    public init?(_ text: some StringProtocol) {
        self.init(parsing: text)
    }

    /// The same for a `String`, the common case: a concrete overload, so that callers in other modules (the zone
    /// compiler parses every address of every instance) run the scan specialised for it rather than through the
    /// generic protocol witnesses, which cost more than the scan itself.
    public init?(_ text: String) {
        self.init(parsing: text)
    }

    init?<Text: StringProtocol>(parsing text: Text) {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadingZero = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            default:
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        self.value = value << 8 | octet
    }

    public var bytes: [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
    public var description: String { bytes.map(String.init).joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// `d.c.b.a.in-addr.arpa.`
    public var reverseName: DNSName {
        let labels = bytes.reversed().map { Array(String($0).utf8) } + [Array("in-addr".utf8), Array("arpa".utf8)]
        // Four short decimal labels under in-addr.arpa always form a valid name.
        return (try? DNSName(labels: labels)) ?? .root
    }
}

/// An IPv6 address as the sixteen octets of an AAAA record, held as one 128-bit value (no allocation).
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var value: UInt128

    public init(value: UInt128) { self.value = value }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt128($1) }
    }

    public var bytes: [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - $0))) } }

    /// RFC 4291 §2.2 text forms, including `::` compression and a trailing dotted IPv4 part. Scans the UTF-8
    /// bytes once without allocating, like `IPv4Address`: every address of every instance passes through here.
    public init?(_ text: some StringProtocol) {
        self.init(parsing: text)
    }

    /// The same for a `String`, specialised for it (see `IPv4Address.init(_:)`).
    public init?(_ text: String) {
        self.init(parsing: text)
    }

    init?<Text: StringProtocol>(parsing text: Text) {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 45 else { return nil }
        var head: UInt128 = 0  // the groups before `::` (or all of them)
        var headCount = 0
        var tail: UInt128 = 0  // the groups after `::`
        var tailCount = 0
        var compressed = false
        var group: UInt32 = 0
        var digits = 0
        var previous: UInt8 = 0
        var index = bytes.startIndex
        var groupStart = bytes.startIndex
        func finishGroup() -> Bool {
            guard digits > 0 else { return false }
            if compressed {
                tail = tail << 16 | UInt128(group)
                tailCount += 1
            } else {
                head = head << 16 | UInt128(group)
                headCount += 1
            }
            group = 0
            digits = 0
            return headCount + tailCount <= 8
        }
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                let value: UInt8 =
                    byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : (byte | 0x20) - UInt8(ascii: "a") + 10
                if digits == 0 { groupStart = index }
                group = group << 4 | UInt32(value)
                digits += 1
                guard digits <= 4 else { return nil }
            case UInt8(ascii: ":"):
                if previous == UInt8(ascii: ":") {
                    // `::`: only once, and not `:::`.
                    guard !compressed, digits == 0 else { return nil }
                    compressed = true
                } else if index == bytes.startIndex {
                    // A leading ':' must be the start of `::`.
                    let next = bytes.index(after: index)
                    guard next != bytes.endIndex, bytes[next] == UInt8(ascii: ":") else { return nil }
                } else {
                    guard finishGroup() else { return nil }
                }
            case UInt8(ascii: "."):
                // A dotted IPv4 tail: the digits read so far are its first octet, in decimal; parse the rest.
                guard digits > 0, let v4 = IPv4Address(text[groupStart...]) else { return nil }
                group = 0
                digits = 0
                for half in [UInt32(v4.value >> 16), UInt32(v4.value & 0xFFFF)] {
                    group = half
                    digits = 1
                    guard finishGroup() else { return nil }
                }
                index = bytes.endIndex
                previous = 0
                continue
            default:
                return nil
            }
            previous = byte
            index = bytes.index(after: index)
        }
        if digits > 0 {
            guard finishGroup() else { return nil }
        } else if previous == UInt8(ascii: ":") && !(compressed && tailCount == 0 && headCountEndsWithCompression(bytes)) {
            // A trailing ':' is only allowed as the end of `::`.
            return nil
        }
        if compressed {
            guard headCount + tailCount <= 7 else { return nil }
            value = head << (16 * UInt128(8 - headCount)) | tail
        } else {
            guard headCount == 8 else { return nil }
            value = head
        }
    }

    /// RFC 5952 canonical text: lower-case, no leading zeros, the longest run of two or more zero groups as `::`.
    public var description: String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (16 * (7 - $0))) }
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var parts: [String] = []
        index = 0
        var text = ""
        while index < 8 {
            if index == bestStart {
                text += parts.joined(separator: ":") + "::"
                parts = []
                index += bestLength
                continue
            }
            parts.append(String(groups[index], radix: 16))
            index += 1
        }
        return text + parts.joined(separator: ":")
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool { lhs.value < rhs.value }

    /// The 32 nibble labels under ip6.arpa (RFC 3596 §2.5).
    public var reverseName: DNSName {
        var labels: [[UInt8]] = []
        labels.reserveCapacity(34)
        for byte in bytes.reversed() {
            labels.append([hexDigit(byte & 0x0F)])
            labels.append([hexDigit(byte >> 4)])
        }
        labels.append(Array("ip6".utf8))
        labels.append(Array("arpa".utf8))
        return (try? DNSName(labels: labels)) ?? .root
    }
}

/// Whether the text ends with `::` (a trailing ':' is valid only there).
private func headCountEndsWithCompression(_ bytes: some Collection<UInt8>) -> Bool {
    let last = Array(bytes.suffix(2))
    return last == [UInt8(ascii: ":"), UInt8(ascii: ":")]
}

private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
