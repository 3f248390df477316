import DNSWire
import Testing

@testable import EC2Zone

@Suite("Zone answers")
struct ZoneAnswerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let title: String
        let name: String
        let type: RRType
        let rcode: RCode
        let answers: [String]
        var authoritative = true
        var soaInAuthority = false
        var testDescription: String { title }
    }

    static let appserverTXT =
        "\"instance-id=i-0aaa000000000001\" \"region=eu-west-1\" \"az=eu-west-1a\" \"type=t3.small\" \"state=running\" \"launched=2026-09-21T14:13:20Z\" \"name=appserver-1\""

    static let cases: [Case] = [
        Case(title: "A prefers the public IPv4", name: "appserver-1.ec2", type: .a, rcode: .noError, answers: ["54.0.0.11"]),
        Case(title: "A falls back to the private IPv4", name: "appserver-2.ec2", type: .a, rcode: .noError, answers: ["10.0.2.12"]),
        Case(title: "AAAA gives the IPv6 addresses", name: "appserver-1.ec2", type: .aaaa, rcode: .noError, answers: ["2001:db8:1::11"]),
        Case(title: "AAAA of an IPv4-only instance is NODATA, not NXDOMAIN", name: "appserver-2.ec2", type: .aaaa, rcode: .noError, answers: [], soaInAuthority: true),
        Case(title: "a shared name answers with every instance", name: "web.ec2", type: .a, rcode: .noError, answers: ["54.0.1.21", "54.0.1.22"]),
        Case(title: "NAME.REGION narrows to a region", name: "web.us-east-1.ec2", type: .a, rcode: .noError, answers: ["54.0.1.21"]),
        Case(title: "NAME.REGION, the other region", name: "web.eu-west-1.ec2", type: .a, rcode: .noError, answers: ["54.0.1.22"]),
        Case(title: "REGION alone is an empty non-terminal (RFC 8020)", name: "us-east-1.ec2", type: .a, rcode: .noError, answers: [], soaInAuthority: true),
        Case(title: "INSTANCE-ID names the instance", name: "i-0aaa000000000002.ec2", type: .a, rcode: .noError, answers: ["10.0.2.12"]),
        Case(title: "matching ignores case", name: "I-0AAA000000000002.EC2", type: .a, rcode: .noError, answers: ["10.0.2.12"]),
        Case(title: "a tag with spaces is rewritten to a label", name: "build-box--old-.ec2", type: .a, rcode: .noError, answers: ["10.0.1.31"]),
        Case(title: "an untagged instance has its id", name: "i-0aaa000000000006.ec2", type: .a, rcode: .noError, answers: ["10.0.3.41"]),
        Case(title: "stopped instances have no names", name: "db-1.ec2", type: .a, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "unknown names are NXDOMAIN with the SOA", name: "nope.ec2", type: .a, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "names below an instance name do not exist", name: "sub.appserver-1.ec2", type: .a, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "TXT describes the instance", name: "appserver-1.ec2", type: .txt, rcode: .noError, answers: [appserverTXT]),
        Case(title: "ANY is answered with one RRset (RFC 8482)", name: "appserver-1.ec2", type: .any, rcode: .noError, answers: ["54.0.0.11"]),
        Case(title: "an unknown type is NODATA (RFC 3597)", name: "appserver-1.ec2", type: RRType(65280), rcode: .noError, answers: [], soaInAuthority: true),
        Case(title: "apex SOA", name: "ec2", type: .soa, rcode: .noError, answers: ["ns.ec2. hostmaster.ec2. 42 3600 600 86400 30"]),
        Case(title: "apex NS", name: "ec2", type: .ns, rcode: .noError, answers: ["ns.ec2."]),
        Case(title: "apex A is NODATA", name: "ec2", type: .a, rcode: .noError, answers: [], soaInAuthority: true),
        Case(title: "the name server has its addresses", name: "ns.ec2", type: .a, rcode: .noError, answers: ["127.0.0.1"]),
        Case(title: "out of zone is REFUSED, never recursion", name: "example.com", type: .a, rcode: .refused, answers: [], authoritative: false),
        Case(title: "the root is REFUSED", name: ".", type: .ns, rcode: .refused, answers: [], authoritative: false),
        Case(title: "PTR of a private address", name: "11.1.0.10.in-addr.arpa", type: .ptr, rcode: .noError, answers: ["appserver-1.ec2."]),
        Case(title: "PTR of a public address", name: "11.0.0.54.in-addr.arpa", type: .ptr, rcode: .noError, answers: ["appserver-1.ec2."]),
        Case(title: "PTR of an untagged instance points at its id", name: "41.3.0.10.in-addr.arpa", type: .ptr, rcode: .noError, answers: ["i-0aaa000000000006.ec2."]),
        Case(title: "PTR of a shared name's address", name: "22.1.0.54.in-addr.arpa", type: .ptr, rcode: .noError, answers: ["web.ec2."]),
        Case(title: "PTR miss inside a served /24 is NXDOMAIN", name: "99.1.0.10.in-addr.arpa", type: .ptr, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "a stopped instance's address has no PTR", name: "51.1.0.10.in-addr.arpa", type: .ptr, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "reverse names outside served zones are REFUSED", name: "1.9.9.10.in-addr.arpa", type: .ptr, rcode: .refused, answers: [], authoritative: false),
        Case(title: "a served reverse zone has its SOA", name: "1.0.10.in-addr.arpa", type: .soa, rcode: .noError, answers: ["ns.ec2. hostmaster.ec2. 42 3600 600 86400 30"]),
        Case(title: "a reverse name with a non-octet label below a served /24 is NXDOMAIN", name: "x.1.0.10.in-addr.arpa", type: .ptr, rcode: .nxDomain, answers: [], soaInAuthority: true),
        Case(title: "A on a PTR name is NODATA", name: "11.1.0.10.in-addr.arpa", type: .a, rcode: .noError, answers: [], soaInAuthority: true),
        Case(
            title: "PTR of an IPv6 address", name: "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", type: .ptr,
            rcode: .noError, answers: ["appserver-1.ec2."]),
        Case(
            title: "an IPv6 prefix below a served /64 is an empty non-terminal", name: "0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            type: .ptr, rcode: .noError, answers: [], soaInAuthority: true),
        Case(
            title: "an IPv6 miss inside a served /64", name: "2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", type: .ptr,
            rcode: .nxDomain, answers: [], soaInAuthority: true),
    ]

    @Test("query in, answer out", arguments: cases)
    func answer(_ testCase: Case) throws {
        let reply = try #require(try Exchange().ask(testCase.name, testCase.type))
        #expect(reply.rcode == testCase.rcode)
        #expect(reply.authoritative == testCase.authoritative)
        #expect(reply.isResponse)
        #expect(reply.answerTexts.sorted() == testCase.answers.sorted())
        #expect(reply.answers.allSatisfy { $0.name == (try? DNSName(testCase.name)) })
        let soas = reply.authorities.filter { $0.type == .soa }
        #expect(soas.count == (testCase.soaInAuthority ? 1 : 0))
        if testCase.rcode == .refused {
            #expect(reply.authorities.isEmpty && reply.answers.isEmpty)
        }
    }

    @Test("negative answers carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308)")
    func negativeTTL() throws {
        for (ttl, minimum, expected) in [(UInt32(60), UInt32(30), UInt32(30)), (10, 30, 10)] {
            let exchange = Exchange(zone: Fleet.zone(ZoneOptions(ttl: ttl, negativeTTL: minimum)))
            let reply = try #require(try exchange.ask("nope.ec2"))
            let soa = try #require(reply.authorities.first)
            #expect(soa.ttl == expected)
            #expect(soa.name == DNSName("ec2"))
            guard case .soa(let data) = soa.data else {
                Issue.record("authority is not a SOA")
                return
            }
            #expect(data.minimum == minimum)
        }
    }

    @Test("apex NS comes with glue for the in-zone name server")
    func nsGlue() throws {
        let reply = try #require(try Exchange().ask("ec2", .ns))
        #expect(reply.additionals.map(\.data.presentation) == ["127.0.0.1"])
        #expect(reply.additionals.first?.name == DNSName("ns.ec2"))
    }

    @Test("address = private and public force one address")
    func addressModes() throws {
        let privateZone = Exchange(zone: Fleet.zone(ZoneOptions(addressMode: .private)))
        #expect(try privateZone.ask("appserver-1.ec2")?.answerTexts == ["10.0.1.11"])
        let publicZone = Exchange(zone: Fleet.zone(ZoneOptions(addressMode: .public)))
        #expect(try publicZone.ask("appserver-1.ec2")?.answerTexts == ["54.0.0.11"])
        let noPublic = try #require(try publicZone.ask("appserver-2.ec2"))
        #expect(noPublic.rcode == .noError && noPublic.answers.isEmpty)
    }

    @Test("configured states decide which instances are named")
    func states() throws {
        let exchange = Exchange(zone: Fleet.zone(ZoneOptions(states: ["running", "stopped"])))
        #expect(try exchange.ask("db-1.ec2")?.answerTexts == ["10.0.1.51"])
        #expect(try exchange.ask("51.1.0.10.in-addr.arpa", .ptr)?.answerTexts == ["db-1.ec2."])
    }

    @Test("the order of a shared name's addresses rotates between answers")
    func rotation() throws {
        let exchange = Exchange()
        let first = try #require(try exchange.ask("web.ec2", rotation: 0)).answerTexts
        let second = try #require(try exchange.ask("web.ec2", rotation: 1)).answerTexts
        #expect(first.count == 2)
        #expect(first != second)
        #expect(first.sorted() == second.sorted())
    }

    @Test("the SOA serial is the snapshot's")
    func serial() throws {
        let reply = try #require(try Exchange(zone: Fleet.zone(serial: 7_000_001)).ask("ec2", .soa))
        #expect(reply.answerTexts.first?.contains(" 7000001 ") == true)
    }

    @Test("a zone other than ec2 is served by its own name")
    func otherOrigin() throws {
        let exchange = Exchange(zone: Fleet.zone(ZoneOptions(origin: DNSName("aws.internal"))))
        #expect(try exchange.ask("appserver-1.aws.internal")?.answerTexts == ["54.0.0.11"])
        #expect(try exchange.ask("appserver-1.ec2")?.rcode == .refused)
    }

    @Test("configured reverse zones are served even without instances in them")
    func extraReverseZones() throws {
        let settings = ZoneOptions(extraReverseZones: [DNSName("172.in-addr.arpa")])
        let exchange = Exchange(zone: Fleet.zone(settings))
        #expect(try exchange.ask("5.4.3.172.in-addr.arpa", .ptr)?.rcode == .nxDomain)
        #expect(try exchange.ask("172.in-addr.arpa", .soa)?.answers.count == 1)
        // 10.x is served because instances live there; only its /24s, not the whole /8.
        #expect(try exchange.ask("1.0.200.10.in-addr.arpa", .ptr)?.rcode == .refused)
    }
}
