import DNSWire
import Foundation
import Testing

@testable import EC2Zone
@testable import Inventory

/// A fleet with groups, members launched out of id order, host keys, and names that read two ways.
enum GroupFleet {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    static let naming = NamingOptions(groups: [
        GroupTag(label: "role", tagKey: "Role"), GroupTag(label: "asg", tagKey: "aws:autoscaling:groupName"),
        GroupTag(label: "shard", tagKey: "Shard"),
    ])

    static let options = ZoneOptions(nameserverIPv4: [IPv4Address(127, 0, 0, 1)], naming: naming)

    static let instances: [Instance] = [
        // Three `web` instances: the newest has the smallest id, so member order is not id order.
        Instance(
            id: "i-0000000000000001", name: "web", tags: ["Role": "web", "aws:autoscaling:groupName": "web-prod"],
            region: "eu-west-1", privateIPv4: ["10.9.0.1"], launchTime: at(30), hostKeys: [TestKeys.ed25519(1), TestKeys.ecdsa(1)]),
        Instance(
            id: "i-0000000000000002", name: "web", tags: ["Role": "web", "aws:autoscaling:groupName": "web-prod"],
            region: "eu-west-1", privateIPv4: ["10.9.0.2"], launchTime: at(10), hostKeys: [TestKeys.ed25519(2)]),
        Instance(
            id: "i-0000000000000003", name: "web", tags: ["Role": "Web", "aws:autoscaling:groupName": "web-prod"],
            region: "us-east-1", privateIPv4: ["10.9.0.3"], launchTime: at(20)),
        Instance(id: "i-0000000000000004", name: "db", tags: ["Role": "database"], region: "eu-west-1", privateIPv4: ["10.9.0.4"], launchTime: at(5)),
        // A stopped member counts nowhere (the zone serves running instances).
        Instance(
            id: "i-0000000000000005", name: "web", tags: ["Role": "web"], state: "stopped", region: "eu-west-1",
            privateIPv4: ["10.9.0.5"], launchTime: at(1)),
        // Names that read two ways.
        Instance(id: "i-0000000000000006", name: "i-0000000000000004", region: "eu-west-1", privateIPv4: ["10.9.0.6"]),
        Instance(id: "i-0000000000000007", name: "shard", region: "eu-west-1", privateIPv4: ["10.9.0.7"], launchTime: at(1)),
        Instance(id: "i-0000000000000008", name: "shard", region: "eu-west-1", privateIPv4: ["10.9.0.8"], launchTime: at(2)),
        Instance(id: "i-0000000000000009", name: "cache", tags: ["Shard": "2"], region: "eu-west-1", privateIPv4: ["10.9.0.9"]),
        Instance(id: "i-000000000000000a", name: "us-east-1", region: "eu-west-1", privateIPv4: ["10.9.0.10"]),
    ]

    static func zone(_ options: ZoneOptions = options) -> CompiledZone {
        CompiledZone(snapshot: Snapshot(serial: 9, instances: instances), settings: options)
    }
}

/// Syntactically valid SSH public keys (the blob starts with its type), for fingerprints that tests can predict.
enum TestKeys {
    static func blob(_ type: String, _ body: [UInt8]) -> String {
        func string(_ bytes: [UInt8]) -> [UInt8] {
            let count = UInt32(bytes.count)
            return [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)] + bytes
        }
        return Data(string(Array(type.utf8)) + string(body)).base64EncodedString()
    }

    static func ed25519(_ seed: UInt8) -> HostKey {
        HostKey(type: "ssh-ed25519", base64: blob("ssh-ed25519", Array(repeating: seed, count: 32)))!
    }

    static func ecdsa(_ seed: UInt8) -> HostKey {
        HostKey(type: "ecdsa-sha2-nistp256", base64: blob("ecdsa-sha2-nistp256", Array(repeating: seed, count: 65)))!
    }
}

@Suite("Names from tags, members, precedence")
struct NameFormTests {
    let exchange = Exchange(zone: GroupFleet.zone())

    func addresses(_ name: String, _ type: RRType = .a) throws -> [String] {
        try #require(try exchange.ask(name, type)).answerTexts
    }

    func rcode(_ name: String) throws -> RCode {
        try #require(try exchange.ask(name)).rcode
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let title: String
        let name: String
        let answers: [String]
        var testDescription: String { title }
    }

    static let cases: [Case] = [
        Case(title: "VALUE.LABEL answers every running member, in member order", name: "web.role.ec2", answers: ["10.9.0.2", "10.9.0.3", "10.9.0.1"]),
        Case(title: "a tag value is a label like a Name tag (case, characters)", name: "web-prod.asg.ec2", answers: ["10.9.0.2", "10.9.0.3", "10.9.0.1"]),
        Case(title: "VALUE.LABEL.REGION narrows to a region", name: "web.role.eu-west-1.ec2", answers: ["10.9.0.2", "10.9.0.1"]),
        Case(title: "N.NAME counts by launch time, not by id", name: "1.web.ec2", answers: ["10.9.0.2"]),
        Case(title: "N.NAME, the second", name: "2.web.ec2", answers: ["10.9.0.3"]),
        Case(title: "N.NAME, the newest", name: "3.web.ec2", answers: ["10.9.0.1"]),
        Case(title: "N.VALUE.LABEL", name: "2.web.role.ec2", answers: ["10.9.0.3"]),
        Case(title: "1.NAME of a name with one instance", name: "1.db.ec2", answers: ["10.9.0.4"]),
        Case(title: "matching ignores case", name: "2.WEB.Role.EC2", answers: ["10.9.0.3"]),
        Case(title: "INSTANCE-ID comes before a NAME that spells it", name: "i-0000000000000004.ec2", answers: ["10.9.0.4"]),
        Case(title: "VALUE.LABEL comes before N.NAME (tag value 2 in group shard)", name: "2.shard.ec2", answers: ["10.9.0.9"]),
        Case(title: "1.NAME of that name is still the first member", name: "1.shard.ec2", answers: ["10.9.0.7"]),
        Case(title: "a NAME equal to a region is the instance", name: "us-east-1.ec2", answers: ["10.9.0.10"]),
        Case(title: "NAME.REGION under that region still works", name: "web.us-east-1.ec2", answers: ["10.9.0.3"]),
    ]

    @Test("name forms", arguments: cases)
    func forms(_ testCase: Case) throws {
        #expect(try addresses(testCase.name) == testCase.answers)
    }

    @Test("names that do not exist: past the last member, leading zeros, labels alone, stopped members")
    func misses() throws {
        for name in ["4.web.ec2", "0.web.ec2", "02.web.ec2", "4.web.role.ec2", "nothing.role.ec2", "2.db.ec2", "1.2.web.ec2"] {
            #expect(try rcode(name) == .nxDomain, "\(name)")
        }
        // A group label and a REGION under it are empty non-terminals: NODATA, not NXDOMAIN (RFC 8020).
        for name in ["role.ec2", "role.eu-west-1.ec2", "web.ec2"] {
            #expect(try rcode(name) == .noError, "\(name)")
        }
        #expect(try addresses("role.ec2").isEmpty)
    }

    @Test("TXT says which instance a numbered name reached, with its name and groups")
    func txt() throws {
        let strings = try addresses("2.web.ec2", .txt)
        #expect(strings.count == 1)
        let text = try #require(strings.first)
        #expect(text.hasPrefix("\"instance-id=i-0000000000000003\" \"region=us-east-1\""))
        #expect(text.hasSuffix("\"name=web\" \"asg=web-prod\" \"role=web\""))
        // Labels without a group tag: only the groups the instance is in.
        #expect(try addresses("db.ec2", .txt).first?.hasSuffix("\"name=db\" \"role=database\"") == true)
    }

    @Test("SSHFP: SHA-256 of every host key, on every name of the instance")
    func sshfp() throws {
        let first = GroupFleet.instances[0]
        let expected = first.hostKeys.map { "\($0.sshfpAlgorithm ?? 0) 2 \($0.sha256Hex.uppercased())" }
        #expect(expected.first?.hasPrefix("4 2 ") == true && expected.last?.hasPrefix("3 2 ") == true)
        for name in ["i-0000000000000001.ec2", "3.web.ec2", "3.web.role.ec2"] {
            #expect(try addresses(name, .sshfp).sorted() == expected.sorted(), "\(name)")
        }
        // A shared name answers with every member's keys; an instance without keys is NODATA.
        #expect(try addresses("web.eu-west-1.ec2", .sshfp).count == 3)
        let none = try #require(try exchange.ask("db.ec2", .sshfp))
        #expect(none.rcode == .noError && none.answers.isEmpty && none.authorities.count == 1)
    }

    @Test("the precedence losers and unused tags are reported, naming the name and the tag")
    func problems() {
        let zone = GroupFleet.zone(
            ZoneOptions(naming: NamingOptions(groups: GroupFleet.naming.groups + [GroupTag(label: "team", tagKey: "Team")])))
        let shadowed = zone.problems.filter { $0.kind == .shadowedName }
        #expect(shadowed.map(\.name) == ["2.shard", "i-0000000000000004"])
        #expect(shadowed.first?.instanceIDs == ["i-0000000000000008"])
        #expect(shadowed.first?.detail.contains("VALUE.LABEL, which comes before N.NAME") == true)
        let unused = zone.problems.filter { $0.kind == .unusedTag }
        #expect(unused.map(\.name) == ["team"])
        #expect(unused.first?.detail.contains("\"Team\"") == true)
    }

    @Test("name_tag: another tag gives NAME; instances without it have their id")
    func nameTag() throws {
        let instances = [
            Instance(id: "i-1", name: "ignored", tags: ["Name": "ignored", "Hostname": "Alpha"], region: "r", privateIPv4: ["10.8.0.1"]),
            Instance(id: "i-2", name: "beta", region: "r", privateIPv4: ["10.8.0.2"]),
        ]
        let zone = CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions(naming: NamingOptions(nameTag: "Hostname")))
        let exchange = Exchange(zone: zone)
        #expect(try exchange.ask("alpha.ec2")?.answerTexts == ["10.8.0.1"])
        #expect(try exchange.ask("ignored.ec2")?.rcode == .nxDomain)
        #expect(try exchange.ask("beta.ec2")?.rcode == .nxDomain)
        #expect(try exchange.ask("1.0.8.10.in-addr.arpa", .ptr)?.answerTexts == ["alpha.ec2."])
        #expect(try exchange.ask("2.0.8.10.in-addr.arpa", .ptr)?.answerTexts == ["i-2.ec2."])
        let missing = CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions(naming: NamingOptions(nameTag: "Nope")))
        #expect(missing.problems.map(\.kind) == [.unusedTag])
    }

    @Test("a name shadowed by a form of higher precedence does not lead back by PTR")
    func ptrOfShadowedName() throws {
        #expect(try addresses("6.0.9.10.in-addr.arpa", .ptr) == ["i-0000000000000006.ec2."])
        #expect(try addresses("1.0.9.10.in-addr.arpa", .ptr) == ["web.ec2."])
    }

    @Test("PTR targets are under the apex in its own spelling; an id another form owns still leads back by its id")
    func ptrTargetsUnderTheApexAsSpelt() throws {
        let instances = [
            Instance(id: "i-1", name: "Web-1", region: "r", privateIPv4: ["10.8.0.1"]),
            Instance(id: "i-2", region: "r", privateIPv4: ["10.8.0.2"]),
            // A file inventory may use any id: this one is the name server's name, which the zone keeps.
            Instance(id: "ns", region: "r", privateIPv4: ["10.8.0.3"]),
        ]
        let zone = CompiledZone(snapshot: Snapshot(instances: instances), settings: ZoneOptions(origin: "Fleet.EC2."))
        let exchange = Exchange(zone: zone)
        #expect(try exchange.ask("1.0.8.10.in-addr.arpa", .ptr)?.answerTexts == ["web-1.Fleet.EC2."])
        #expect(try exchange.ask("2.0.8.10.in-addr.arpa", .ptr)?.answerTexts == ["i-2.Fleet.EC2."])
        #expect(try exchange.ask("3.0.8.10.in-addr.arpa", .ptr)?.answerTexts == ["ns.Fleet.EC2."])
        #expect(zone.problems.contains { $0.kind == .shadowedName && $0.instanceIDs == ["ns"] })
    }

    @Test("NameIndex.match reads typed names as the zone does: with or without the zone, any case")
    func match() {
        let index = NameIndex(instances: GroupFleet.instances, options: GroupFleet.options)
        func ids(_ typed: String) -> [String]? {
            guard case .instances(_, let found) = index.match(typed) else { return nil }
            return found.map(\.id)
        }
        #expect(ids("2.web") == ["i-0000000000000003"])
        #expect(ids("2.Web.ec2.") == ["i-0000000000000003"])
        #expect(ids("web.role") == ["i-0000000000000002", "i-0000000000000003", "i-0000000000000001"])
        #expect(index.match("ns") == .reserved)
        #expect(index.match("ec2") == .reserved)
        #expect(index.match("role") == .none)
        #expect(index.match("") == .none)
        #expect(index.match("a..b") == .none)
        #expect(index.match(String(repeating: "x", count: 64)) == .none)
        // Stopped instances count when asked for every state.
        let everything = NameIndex(instances: GroupFleet.instances, options: GroupFleet.options, states: ["running", "stopped"])
        guard case .instances(_, let all) = everything.match("1.web") else {
            Issue.record("1.web missing")
            return
        }
        #expect(all.map(\.id) == ["i-0000000000000005"])
    }

    @Test("a server sends every instance a typed name may need, numbered names with their whole set")
    func mayMean() {
        func sent(_ typed: String) -> [String] {
            GroupFleet.instances.filter(NameIndex.mayMean(typed, options: GroupFleet.options)).map(\.id)
        }
        #expect(sent("2.web.ec2") == ["i-0000000000000001", "i-0000000000000002", "i-0000000000000003", "i-0000000000000005"])
        #expect(sent("2.shard") == ["i-0000000000000007", "i-0000000000000008", "i-0000000000000009"])
        #expect(sent("i-0000000000000004") == ["i-0000000000000004", "i-0000000000000006"])
        #expect(sent("web.role.eu-west-1") == ["i-0000000000000001", "i-0000000000000002", "i-0000000000000005"])
        #expect(sent("nothing").isEmpty)
    }

    @Test("names that stand for one instance, for ssh_config")
    func uniqueNames() {
        let index = NameIndex(instances: GroupFleet.instances, options: GroupFleet.options)
        let byID = Dictionary(uniqueKeysWithValues: zip(index.instances.map(\.id), index.uniqueNamesByInstance()))
        #expect(byID["i-0000000000000004"] == ["i-0000000000000004", "db", "db.eu-west-1", "database.role", "database.role.eu-west-1", "1.db", "1.database.role"])
        #expect(byID["i-0000000000000003"] == ["i-0000000000000003", "web.us-east-1", "web-prod.asg.us-east-1", "web.role.us-east-1", "2.web", "2.web-prod.asg", "2.web.role"])
    }
}
