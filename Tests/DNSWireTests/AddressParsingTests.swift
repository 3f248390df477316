import DNSWire
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The address parsers against the C library's `inet_pton`, on generated and mutated text: they must accept
/// exactly what it accepts (IPv4 without leading zeros, which `inet_pton` also refuses) and read the same value.
@Suite("Address parsing agrees with inet_pton")
struct AddressParsingTests {
    static func pton6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func pton4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    @Test("IPv6: 30,000 generated and mutated texts")
    func ipv6() {
        var generator = SplitMix64(seed: 6)
        let alphabet = Array("0123456789abcdefABCDEF:.g ")
        var accepted = 0
        for round in 0..<30_000 {
            var text: String
            if round % 3 == 0 {
                // Random characters.
                text = String((0..<Int.random(in: 0...20, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            } else {
                // A valid address, sometimes with `::`, sometimes with an IPv4 tail, then perhaps mutated.
                var groups = (0..<8).map { _ in String(UInt16.random(in: 0...0xFFFF, using: &generator), radix: 16) }
                if Bool.random(using: &generator) {
                    let start = Int.random(in: 0..<8, using: &generator)
                    let end = Int.random(in: start...8, using: &generator)
                    groups.replaceSubrange(start..<end, with: [""])
                    if start == 0 { groups.insert("", at: 0) }
                    if end == 8 { groups.append("") }
                }
                text = groups.joined(separator: ":")
                if round % 5 == 0 { text += ":1.2.3.4" }
                if round % 2 == 0, !text.isEmpty {
                    var characters = Array(text)
                    characters[Int.random(in: 0..<characters.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                    text = String(characters)
                }
            }
            let expected = Self.pton6(text)
            let ours = IPv6Address(text)?.bytes
            #expect(ours == expected, "\(text)")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 5_000)
    }

    @Test("IPv4: every text of up to 4 small parts, and mutations")
    func ipv4() {
        var generator = SplitMix64(seed: 4)
        for _ in 0..<20_000 {
            let parts = (0..<Int.random(in: 1...5, using: &generator)).map { _ in
                [String(Int.random(in: 0...300, using: &generator)), "0\(Int.random(in: 0...9, using: &generator))", "", "x"]
                    .randomElement(using: &generator)!
            }
            let text = parts.joined(separator: ".")
            #expect(IPv4Address(text)?.bytes == Self.pton4(text), "\(text)")
        }
    }
}
