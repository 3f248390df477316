import DNSWire
import EC2Zone

/// An address block as `[dns.transfer] allow` lists it: `10.0.0.0/8`, `2001:db8::/32`, or one address.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let isIPv6: Bool
    public let network: UInt128
    public let prefixLength: Int

    /// Parses `ADDRESS/LENGTH` or a bare address; nil when it is neither (or the length is out of range).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let bits: UInt128
        if let v4 = IPv4Address(address) {
            isIPv6 = false
            bits = UInt128(v4.value)
        } else if let v6 = IPv6Address(address) {
            isIPv6 = true
            bits = v6.value
        } else {
            return nil
        }
        let width = isIPv6 ? 128 : 32
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...width).contains(length), !parts[1].hasPrefix("+") else { return nil }
            prefixLength = length
        } else {
            prefixLength = width
        }
        network = bits & Self.mask(prefixLength, width: width)
    }

    public func contains(_ client: ClientAddress) -> Bool {
        guard client.isIPv6 == isIPv6 else { return false }
        return client.bits & Self.mask(prefixLength, width: isIPv6 ? 128 : 32) == network
    }

    public var description: String {
        let address = isIPv6 ? IPv6Address(value: network).description : IPv4Address(value: UInt32(truncatingIfNeeded: network)).description
        return "\(address)/\(prefixLength)"
    }

    private static func mask(_ length: Int, width: Int) -> UInt128 {
        guard length > 0 else { return 0 }
        let ones: UInt128 = width == 128 ? ~0 : 0xFFFF_FFFF
        return ones & ~(ones >> UInt128(length))
    }
}
