import DNSWire
import Foundation
import Inventory
import Testing

@testable import EC2Zone

/// Naming's pass runs on two threads for large inventories. Whatever the split, the zone must be the one a single
/// thread compiles: the same records byte for byte, the same names, members, reverse entries and problems.
@Suite("Zone compiled on two threads")
struct TwoThreadCompileTests {
    /// A fleet with every case the pass handles: shared names (numbered members), groups, stopped instances, names
    /// that other forms shadow, a `Name` tag that needs rewriting, IPv6, an address that is not one, host keys, and
    /// launch times out of id order.
    static func fleet(_ count: Int) -> [Instance] {
        (0..<count).map { index in
            let id = String(format: "i-%017x", index)
            let name: String? =
                switch index % 11 {
                case 0: "web"  // many members
                case 1: String(format: "i-%017x", index + 1)  // an id: the instance-id form owns it
                case 2: "Host_\(index % 400)"  // rewritten, and shared when the fleet is large
                case 3: nil
                case 4: "us-east-1"  // a region's name: the instance, not the empty non-terminal
                default: "host-\(index)"
                }
            return Instance(
                id: id, name: name, tags: ["Role": ["web", "db", "cache"][index % 3], "Shard": "\(index % 5)"],
                state: index % 13 == 0 ? "stopped" : "running", region: index % 2 == 0 ? "eu-west-1" : "us-east-1",
                privateIPv4: index % 17 == 0 ? ["not-an-address"] : ["10.\(index / 65_536).\((index / 256) % 256).\(index % 256)"],
                publicIPv4: index % 7 == 0 ? "54.0.\((index / 256) % 256).\(index % 256)" : nil,
                ipv6: index % 3 == 0 ? ["2001:db8::\(String(index, radix: 16))"] : [],
                launchTime: Date(timeIntervalSince1970: 1_800_000_000 + Double((index * 7_919) % 1_000)),
                hostKeys: index % 5 == 0 ? [TestKeys.ed25519(UInt8(index % 256))] : [])
        }
    }

    static let options = ZoneOptions(
        nameserverIPv4: [IPv4Address(127, 0, 0, 1)],
        naming: NamingOptions(groups: [GroupTag(label: "role", tagKey: "Role"), GroupTag(label: "shard", tagKey: "Shard")]))

    @Test("the same zone from one thread and from two (split in the middle of fleets of several sizes)", arguments: [2, 1_001, 3_000])
    func sameZone(count: Int) throws {
        let snapshot = Snapshot(serial: 7, instances: Self.fleet(count))
        let one = CompiledZone(snapshot: snapshot, settings: Self.options, twoThreadsFrom: .max)
        let two = CompiledZone(snapshot: snapshot, settings: Self.options, twoThreadsFrom: 2)
        if count > 100 { #expect(one.problems.count > count / 20) }  // problems of every kind, in member order
        #expect(two.problems == one.problems)
        #expect(two.wire.bytes == one.wire.bytes)
        #expect(two.instanceWire.map(Self.fields) == one.instanceWire.map(Self.fields))
        #expect(two.names.count == one.names.count)
        for node in 0..<Int32(one.names.count) {
            #expect(two.names.key(at: node) == one.names.key(at: node))
            #expect(Self.fields(two.nodes[Int(node)]) == Self.fields(one.nodes[Int(node)]))
        }
        #expect(two.nodeInstances == one.nodeInstances)
        // The reverse entries answer alike (as do forward names, through the records and nodes above).
        let exchangeOne = Exchange(zone: one)
        let exchangeTwo = Exchange(zone: two)
        for index in stride(from: 0, to: count, by: 37) {
            let name = "\(index % 256).\((index / 256) % 256).0.10.in-addr.arpa"
            #expect(exchangeTwo.rawReply(try Self.query(name, .ptr)) == exchangeOne.rawReply(try Self.query(name, .ptr)))
        }
        #expect(try exchangeTwo.ask("2.web.ec2")?.answerTexts == exchangeOne.ask("2.web.ec2")?.answerTexts)
    }

    @Test("a companion's index is the same on two threads: matches and unique names")
    func sameIndex() {
        let instances = Self.fleet(3_000)
        var nothing = NoVisitor()
        let one = NameIndex(instances: instances, options: Self.options, visitor: &nothing, twoThreadsFrom: .max)
        let two = NameIndex(instances: instances, options: Self.options, visitor: &nothing, twoThreadsFrom: 2)
        #expect(two.uniqueNamesByInstance() == one.uniqueNamesByInstance())
        #expect(two.labels.map(\.id) == one.labels.map(\.id))
        for typed in ["web", "3.web", "web.role", "2.db.role", "us-east-1", "host_7", "i-0000000000000001", "nope"] {
            #expect(two.match(typed) == one.match(typed))
        }
    }

    static func query(_ name: String, _ type: RRType) throws -> [UInt8] {
        try Message.query(id: 7, name: try DNSName(name), type: type, edns: EDNS()).encodedBytes()
    }

    static func fields(_ set: WireRecords.InstanceRecordSet) -> [Int32] {
        [set.a, set.aaaa, set.aaaaCount, set.txt, set.txtLength, set.ptr, set.ptrLength, set.sshfp, set.sshfpCount]
    }

    static func fields(_ node: NameNode) -> [Int32] {
        [Int32(node.kind.rawValue), node.first, node.count]
    }
}
