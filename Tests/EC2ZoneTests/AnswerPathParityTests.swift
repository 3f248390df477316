import DNSWire
import Foundation
import TestSupport
import Testing

@testable import EC2Zone
@testable import Inventory

/// The direct path (answers from the packet's bytes and the zone's prebuilt records) against the general path
/// (parse into values, `ResponseBuilder`) for every name the zone holds and many it does not, every type that
/// matters, with and without EDNS, over both transports and several rotations: the two must give the same
/// message (names compared ignoring case; compression may differ).
@Suite("Direct and general answer paths agree")
struct AnswerPathParityTests {
    static let types: [RRType] = [.a, .aaaa, .txt, .ptr, .sshfp, .ns, .soa, .any, .mx, .cname, .srv, RRType(65280), RRType(0)]

    /// Every name of the zone, their ancestors and misses around them, in mixed case.
    static func names(of zone: CompiledZone, fleet: [Instance]) -> [String] {
        var names = ["ec2.", "ns.ec2.", "nope.ec2.", "a.b.c.ec2.", "example.com.", ".", "arpa.", "in-addr.arpa.",
            "ip6.arpa.", "10.in-addr.arpa.", "x.1.0.10.in-addr.arpa.", "1.2.3.4.5.in-addr.arpa.", "099.1.0.10.in-addr.arpa."]
        for index in 0..<zone.names.count {
            let key = Array(zone.names.key(at: Int32(index)))
            guard let name = try? DNSName(labels: Self.labels(key)) else { continue }
            names.append(name.description)
            names.append("sub." + name.description)
        }
        for instance in fleet {
            for address in instance.privateIPv4 + [instance.publicIPv4].compactMap({ $0 }) {
                guard let v4 = IPv4Address(address) else { continue }
                let reverse = v4.reverseName.description
                names.append(reverse)
                names.append(reverse.split(separator: ".", maxSplits: 1)[1].description)  // the /24
                names.append("250." + reverse.split(separator: ".", maxSplits: 1)[1].description)
            }
            for address in instance.ipv6 {
                guard let v6 = IPv6Address(address) else { continue }
                let reverse = v6.reverseName.description
                names.append(reverse)
                names.append(String(reverse.dropFirst(2)))
                names.append(String(reverse.dropFirst(34)))  // below the /64
            }
        }
        // Mixed case: every other letter upper-cased.
        return names + names.map { name in
            String(name.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element })
        }
    }

    static func labels(_ key: [UInt8]) -> [[UInt8]] {
        var labels: [[UInt8]] = []
        var index = 0
        while index < key.count, key[index] != 0 {
            let length = Int(key[index])
            labels.append(Array(key[(index + 1)...(index + length)]))
            index += length + 1
        }
        return labels
    }

    static let ednsVariants: [EDNS?] = [nil, EDNS(udpPayloadSize: 512), EDNS(), EDNS(udpPayloadSize: 4096, dnssecOK: true)]

    func compare(_ exchange: Exchange, names: [String]) throws -> Int {
        var compared = 0
        for name in names {
            guard let dnsName = try? DNSName(name) else { continue }
            for type in Self.types {
                for edns in Self.ednsVariants {
                    for transport in DNSTransport.allCases {
                        // One rotation per combination, varying from one to the next: every rotation is met across
                        // the names, at a third of the cost of all of them for each.
                        do {
                            let rotation = compared % 3 == 2 ? 5 : compared % 3
                            let query = try Message.query(id: 0xBEEF, name: dnsName, type: type, edns: edns).encodedBytes()
                            let direct = try #require(exchange.rawReply(query, transport: transport, rotation: rotation))
                            let general = try #require(exchange.generalReply(query, transport: transport, rotation: rotation))
                            let directMessage = try Message(parsing: direct)
                            let generalMessage = try Message(parsing: general)
                            #expect(
                                directMessage == generalMessage,
                                "\(name) \(type) edns=\(edns.map { "\($0.udpPayloadSize)" } ?? "-") \(transport) rotation \(rotation)")
                            compared += 1
                        }
                    }
                }
            }
        }
        return compared
    }

    @Test("the fleet of the zone tests, with a name server inside the zone and reverse zones")
    func fleet() throws {
        let zone = Fleet.zone(
            ZoneOptions(
                nameserverIPv4: [IPv4Address(127, 0, 0, 1), IPv4Address(127, 0, 0, 2)],
                nameserverIPv6: [IPv6Address("::1")!], extraReverseZones: ["10.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."]))
        let compared = try compare(Exchange(zone: zone), names: Self.names(of: zone, fleet: Fleet.instances))
        #expect(compared > 10_000)
    }

    @Test("names shared by many instances: rotation and truncation at 512 and 1232 octets")
    func crowd() throws {
        var generator = SplitMix64(seed: 7)
        let crowd = (0..<120).map { index in
            Instance(
                id: "i-\(index)", name: index % 3 == 0 ? "crowd" : "pack", region: index % 2 == 0 ? "eu-west-1" : "us-east-1",
                privateIPv4: ["10.\(index / 256).\(index % 256).\(Int.random(in: 1...250, using: &generator))"],
                ipv6: index % 4 == 0 ? ["2001:db8::\(index)", "2001:db8::1:\(index)"] : [])
        }
        let zone = CompiledZone(snapshot: Snapshot(instances: crowd), settings: ZoneOptions())
        let names = ["crowd.ec2.", "pack.ec2.", "crowd.eu-west-1.ec2.", "PACK.US-EAST-1.EC2.", "i-7.ec2."]
        #expect(try compare(Exchange(zone: zone), names: names) > 0)
    }

    @Test("a zone that has not loaded yet: SERVFAIL inside it, REFUSED outside, on both paths")
    func notReady() throws {
        let zone = CompiledZone.notReady(settings: ZoneOptions())
        #expect(try compare(Exchange(zone: zone), names: ["ec2.", "web.ec2.", "example.com.", "1.0.10.in-addr.arpa."]) > 0)
    }
}

@Suite("Direct and general answer paths agree on names from tags and SSHFP")
struct GroupParityTests {
    @Test("groups, numbered members, precedence losers and SSHFP, on both paths")
    func groups() throws {
        let zone = GroupFleet.zone()
        // Every name the zone holds comes from its name table, numbered and group names included.
        let names = AnswerPathParityTests.names(of: zone, fleet: GroupFleet.instances)
        #expect(names.contains("2.web.role.ec2.") && names.contains("web.role.eu-west-1.ec2."))
        #expect(try AnswerPathParityTests().compare(Exchange(zone: zone), names: names) > 10_000)
    }
}
