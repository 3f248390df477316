import Testing

@testable import DNSWire

@Suite("Names")
struct NameTests {
    @Test(
        "presentation text round-trips through wire form",
        arguments: [
            ("web-1.ec2.", "web-1.ec2."), ("web-1.ec2", "web-1.ec2."), (".", "."), ("", "."),
            ("a\\.b.ec2", "a\\.b.ec2."), ("x\\032y.ec2", "x\\032y.ec2."), ("WeB-1.Ec2", "WeB-1.Ec2."),
        ])
    func roundTrip(text: String, expected: String) throws {
        #expect(try DNSName(text).description == expected)
    }

    @Test("wire form is length-prefixed labels ending in the root label")
    func wireForm() throws {
        #expect(DNSName("ab.c").wire == [2, 97, 98, 1, 99, 0])
        #expect(DNSName.root.wire == [0])
    }

    @Test("equality and hashing ignore ASCII case but the bytes keep it")
    func caseInsensitive() throws {
        let upper = DNSName("WeB-1.EC2")
        let lower = DNSName("web-1.ec2")
        #expect(upper == lower)
        #expect(upper.hashValue == lower.hashValue)
        #expect(Set([upper, lower]).count == 1)
        #expect(upper.wire != lower.wire)
        #expect(DNSName("web-2.ec2") != lower)
        #expect(DNSName("web-1.ec2.x") != lower)
    }

    @Test(
        "invalid text is an error, never a trap",
        arguments: ["a..b", "..", "x\\", "x\\25", "x\\256.ec2", String(repeating: "a", count: 64) + ".ec2"])
    func invalidText(text: String) {
        #expect(throws: DNSWireError.self) { try DNSName(text) }
    }

    @Test("a name longer than 255 octets is rejected")
    func tooLong() {
        let label = String(repeating: "a", count: 63)
        #expect(throws: DNSWireError.nameTooLong) { try DNSName([label, label, label, label].joined(separator: ".")) }
        #expect(throws: Never.self) { try DNSName([label, label, label, String(repeating: "a", count: 61)].joined(separator: ".")) }
    }

    @Test("subdomain tests are label-aligned")
    func subdomains() throws {
        let zone = DNSName("ec2")
        #expect(DNSName("web.ec2").isSubdomain(of: zone))
        #expect(DNSName("A.B.EC2").isSubdomain(of: zone))
        #expect(zone.isSubdomain(of: zone))
        #expect(!DNSName("xec2").isSubdomain(of: zone))
        #expect(!DNSName("ec2.com").isSubdomain(of: zone))
        #expect(DNSName("a.b.ec2").droppingFirstLabels(2) == zone)
        #expect(DNSName("a.b.ec2").labelCount == 3)
    }
}

@Suite("IP addresses")
struct AddressTests {
    @Test("IPv4 text", arguments: ["0.0.0.0", "10.0.1.11", "255.255.255.255", "127.0.0.1"])
    func ipv4Valid(text: String) {
        #expect(IPv4Address(text)?.description == text)
    }

    @Test("IPv4 rejects", arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "1..2.3"])
    func ipv4Invalid(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test(
        "IPv6 canonical text (RFC 5952)",
        arguments: [
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::1", "::1"), ("::", "::"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("fe80::1:2", "fe80::1:2"), ("::ffff:10.0.0.1", "::ffff:a00:1"), ("1::", "1::"),
        ])
    func ipv6Canonical(text: String, expected: String) {
        #expect(IPv6Address(text)?.description == expected)
    }

    @Test("IPv6 rejects", arguments: ["", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "1:2:3:4:5:6:7"])
    func ipv6Invalid(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test("reverse names")
    func reverseNames() throws {
        #expect(IPv4Address("10.0.1.11")?.reverseName == DNSName("11.1.0.10.in-addr.arpa"))
        let v6 = try #require(IPv6Address("2001:db8::1"))
        #expect(v6.reverseName.description == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
    }
}
