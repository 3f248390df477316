import DNSWire
import EC2Zone
import NIOCore
import Testing
import ZoneTransfer

/// `[dns.transfer] allow`: CIDR blocks and single addresses, IPv4 and IPv6, matched against the client's address
/// as the transports see it.
@Suite struct AddressRangeTests {
    /// What parses, and the block it stands for (the address masked to its prefix).
    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("192.0.2.7", "192.0.2.7/32"),
        ("192.0.2.7/32", "192.0.2.7/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("172.16.255.1/12", "172.16.0.0/12"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8:ffff::1/48", "2001:db8:ffff::/48"),
        ("::1", "::1/128"),
        ("::/0", "::/0"),
        ("2001:DB8::/32", "2001:db8::/32"),
    ])
    func parses(_ text: String, _ block: String) throws {
        let range = try #require(AddressRange(text))
        #expect(range.description == block)
    }

    /// What does not: the configuration reports the entry instead of allowing something else.
    @Test(arguments: [
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0/8",
        "10.0.0.256", " 10.0.0.1", "10.0.0.1 ", "2001:db8::/129", "2001:db8:::/32", "2001:db8::/abc", "ten/8", "localhost",
        "10.0.0.0/08x",
    ])
    func rejects(_ text: String) {
        #expect(AddressRange(text) == nil)
    }

    /// Matching a client: inside and outside the block, the other family never, and an IPv4-mapped IPv6 client
    /// (a dual-stack socket) as the IPv4 address it is.
    @Test(arguments: [
        ("10.0.0.0/8", "10.255.255.255", true),
        ("10.0.0.0/8", "11.0.0.0", false),
        ("10.0.0.0/8", "9.255.255.255", false),
        ("192.0.2.7", "192.0.2.7", true),
        ("192.0.2.7", "192.0.2.8", false),
        ("127.0.0.1/32", "127.0.0.2", false),
        ("0.0.0.0/0", "203.0.113.9", true),
        ("0.0.0.0/0", "2001:db8::1", false),
        ("::/0", "2001:db8::1", true),
        ("::/0", "10.0.0.1", false),
        ("2001:db8::/32", "2001:db8:ffff:ffff::1", true),
        ("2001:db8::/32", "2001:db9::1", false),
        ("2001:db8::/33", "2001:db8:8000::1", false),
        ("::1", "::1", true),
        ("::1", "127.0.0.1", false),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true),
        ("127.0.0.1/32", "::ffff:127.0.0.1", true),
        ("::ffff:10.0.0.0/104", "10.1.2.3", true),
        ("::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true),
        ("::ffff:10.0.0.0/104", "11.1.2.3", false),
        ("::ffff:192.0.2.1", "192.0.2.1", true),
    ])
    func matches(_ block: String, _ client: String, _ expected: Bool) throws {
        let range = try #require(AddressRange(block))
        let address = try #require(ClientAddress(try SocketAddress(ipAddress: client, port: 53)))
        #expect(range.contains(address) == expected)
    }
}
