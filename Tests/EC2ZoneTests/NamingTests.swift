import DNSWire
import Foundation
import Inventory
import Testing

@testable import EC2Zone

@Suite("Naming contract")
struct NamingTests {
    @Test(
        "Name tags become DNS labels",
        arguments: [
            ("appserver-1", "appserver-1"), ("AppServer-1", "appserver-1"), ("web server", "web-server"),
            ("Build Box (old)", "build-box--old-"), ("db_primary.eu", "db-primary-eu"), ("Café", "caf-"),
            ("日本", "--"), ("-edge-", "-edge-"), (String(repeating: "x", count: 80), String(repeating: "x", count: 63)),
        ])
    func labels(tag: String, label: String) {
        #expect(InstanceNaming.label(forNameTag: tag) == label)
    }

    @Test("missing or empty tags have no label")
    func missing() {
        #expect(InstanceNaming.label(forNameTag: nil) == nil)
        #expect(InstanceNaming.label(forNameTag: "") == nil)
        #expect(InstanceNaming.canonicalLabel(of: Instance(id: "i-ABC", region: "x")) == "i-abc")
    }

    @Test("only tags changed beyond case count as rewritten")
    func rewriting() {
        #expect(!InstanceNaming.tagNeedsRewriting("Web-1"))
        #expect(InstanceNaming.tagNeedsRewriting("web 1"))
        #expect(InstanceNaming.tagNeedsRewriting(String(repeating: "a", count: 64)))
    }

    @Test("problems: rewritten tags, shared names, bad addresses, missing addresses, shadowed names")
    func problems() throws {
        let instances = [
            Instance(id: "i-1", name: "Web Server", region: "r", privateIPv4: ["10.0.0.1"]),
            Instance(id: "i-2", name: "dup", region: "r", privateIPv4: ["10.0.0.2"]),
            Instance(id: "i-3", name: "DUP", region: "r", privateIPv4: ["10.0.0.3"]),
            Instance(id: "i-4", name: "bad", region: "r", privateIPv4: ["10.0.0.999"], ipv6: ["nope"]),
            Instance(id: "i-5", name: "none", region: "r"),
            Instance(id: "i-6", name: "ns", region: "r", privateIPv4: ["10.0.0.6"]),
            Instance(id: "i-7", name: "dup", state: "stopped", region: "r", privateIPv4: ["10.0.0.7"]),
        ]
        let zone = CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions())
        let byKind = Dictionary(grouping: zone.problems, by: \.kind)
        #expect(byKind[.nameRewritten]?.map(\.name) == ["web-server"])
        #expect(byKind[.duplicateName]?.map(\.instanceIDs) == [["i-2", "i-3"]])
        #expect(byKind[.unusableAddress]?.count == 2)
        #expect(byKind[.noAddress]?.map(\.instanceIDs) == [["i-5"]])
        #expect(byKind[.shadowedName]?.map(\.name) == ["ns"])
        #expect(zone.instanceCount == 6)

        // The shadowed instance is still reachable by id; the name server keeps its name.
        let exchange = Exchange(zone: zone)
        #expect(try exchange.ask("i-6.ec2")?.answerTexts == ["10.0.0.6"])
        #expect(try exchange.ask("ns.ec2")?.answerTexts == [])
    }

    @Test("a zone built from 10,000 instances answers every name form")
    func largeZone() throws {
        let instances = (0..<10_000).map { index in
            Instance(
                id: String(format: "i-%017x", index), name: "host-\(index)", region: index % 2 == 0 ? "eu-west-1" : "us-east-1",
                privateIPv4: ["10.\(index / 65536).\((index / 256) % 256).\(index % 256)"],
                ipv6: index % 3 == 0 ? ["2001:db8:\(index % 7)::\(String(index, radix: 16))"] : [])
        }
        let zone = CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions())
        #expect(zone.problems.isEmpty)
        let exchange = Exchange(zone: zone)
        #expect(try exchange.ask("host-9999.ec2")?.answerTexts == ["10.0.39.15"])
        #expect(try exchange.ask("host-9999.us-east-1.ec2")?.answerTexts == ["10.0.39.15"])
        #expect(try exchange.ask("host-9999.eu-west-1.ec2")?.rcode == .nxDomain)
        #expect(try exchange.ask("15.39.0.10.in-addr.arpa", .ptr)?.answerTexts == ["host-9999.ec2."])
        #expect(try exchange.ask("i-0000000000000270f.ec2")?.answerTexts == ["10.0.39.15"])
    }
}
