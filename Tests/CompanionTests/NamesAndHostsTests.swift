import DNSWire
import EC2Zone
import Foundation
import Inventory
import Testing

@testable import Companion

/// SSH public keys that parse (the blob starts with its type).
private func key(_ seed: UInt8) -> HostKey {
    func string(_ bytes: [UInt8]) -> [UInt8] { [0, 0, 0, UInt8(bytes.count)] + bytes }
    let blob = Data(string(Array("ssh-ed25519".utf8)) + string(Array(repeating: seed, count: 32))).base64EncodedString()
    return HostKey(type: "ssh-ed25519", base64: blob)!
}

private let minute: TimeInterval = 60
private let fleet = [
    Instance(
        id: "i-00000000000000b1", name: "bastion", tags: ["Role": "bastion"], region: "eu-west-1", privateIPv4: ["10.1.0.1"],
        publicIPv4: "54.1.0.1", launchTime: Date(timeIntervalSince1970: 10 * minute), vpc: "vpc-0aaa", hostKeys: [key(1)]),
    Instance(
        id: "i-00000000000000b2", name: "bastion-b", region: "eu-west-1", privateIPv4: ["10.2.0.1"], publicIPv4: "54.2.0.1",
        vpc: "vpc-0bbb"),
    Instance(
        id: "i-0000000000000003", name: "app", tags: ["Role": "web"], region: "eu-west-1", privateIPv4: ["10.1.0.3"],
        launchTime: Date(timeIntervalSince1970: 30 * minute), vpc: "vpc-0aaa", hostKeys: [key(3)]),
    Instance(
        id: "i-0000000000000002", name: "app", tags: ["Role": "web"], region: "eu-west-1", privateIPv4: ["10.1.0.2"],
        launchTime: Date(timeIntervalSince1970: 20 * minute), vpc: "vpc-0aaa"),
    Instance(
        id: "i-0000000000000004", name: "app", tags: ["Role": "web"], state: "stopped", region: "eu-west-1",
        privateIPv4: ["10.1.0.4"], launchTime: Date(timeIntervalSince1970: 5 * minute), vpc: "vpc-0aaa"),
    Instance(id: "i-0000000000000005", name: "worker", region: "eu-west-1", privateIPv4: ["10.2.0.5"], vpc: "vpc-0bbb"),
    Instance(id: "i-0000000000000006", name: "open", region: "eu-west-1", privateIPv4: ["10.1.0.6"], ipv6: ["2001:db8::6"], vpc: "vpc-0aaa"),
]

private let options = ZoneOptions(naming: NamingOptions(groups: [GroupTag(label: "role", tagKey: "Role")]))

private func rewriter(
    _ tool: OpenSSHTool = .ssh, address: AddressChoice = .auto, jump: JumpHosts = .none, knownHosts: String? = nil
) -> CommandRewriter {
    CommandRewriter(
        tool: tool, resolver: InstanceResolver(instances: fleet, options: options), address: address, jump: jump,
        knownHostsFile: knownHosts)
}

@Suite("The commands read names as the zone does")
struct CompanionNameTests {
    @Test("every name the zone holds resolves to the instances DNS answers with")
    func agreesWithTheZone() throws {
        let zone = CompiledZone(snapshot: Snapshot(instances: fleet), settings: options)
        let resolver = InstanceResolver(instances: fleet, options: options)
        let index = NameIndex(instances: fleet, options: options)
        let names = index.names(of: Set(NameForm.allCases).subtracting([.reserved]))
        #expect(names.contains("2.app") && names.contains("2.web.role") && names.contains("app.eu-west-1"))
        for name in names {
            let answer = zone.lookup(Question(name: try DNSName("\(name).ec2"), type: .txt))
            let fromDNS = answer.answers.compactMap { record -> String? in
                guard case .txt(let strings) = record.data, let first = strings.first else { return nil }
                return String(decoding: first, as: UTF8.self).replacingOccurrences(of: "instance-id=", with: "")
            }
            let fromCommand: [String]
            switch resolver.resolve(name) {
            case .found(let instance): fromCommand = [instance.id]
            case .ambiguous(let instances): fromCommand = instances.map(\.id)
            default: fromCommand = []
            }
            #expect(fromCommand == fromDNS, "\(name)")
        }
    }

    @Test("numbered names pick what --pick N picks; groups list their running members")
    func numbered() throws {
        let second = try rewriter().plan(["2.app", "true"])
        #expect(second.instances.map(\.id) == ["i-0000000000000003"])
        let picked = try CommandRewriter(
            tool: .ssh, resolver: InstanceResolver(instances: fleet, options: options), duplicates: .pick(2)
        ).plan(["app", "true"])
        #expect(picked.instances == second.instances)
        #expect(try rewriter().plan(["1.web.role.ec2"]).instances.map(\.id) == ["i-0000000000000002"])
        let group = InstanceResolver(instances: fleet, options: options).resolve("web.role")
        #expect(group == .ambiguous(fleet.filter { $0.name == "app" && $0.state == "running" }.sorted { $0.id < $1.id }))
        // A stopped member's own numbered name exists among stopped instances only: said plainly.
        do throws(CompanionError) {
            _ = try rewriter().plan(["3.app"])
            Issue.record("3.app accepted")
        } catch {
            #expect(error.status == .notFound)
        }
    }
}

@Suite("Jump hosts and host keys")
struct JumpAndHostKeyTests {
    @Test("instances with only private addresses go through the configured jump host, said once")
    func automaticJump() throws {
        let plan = try rewriter(jump: .everywhere("bastion")).plan(["me@2.app", "uptime"])
        #expect(plan.arguments == ["-J", "54.1.0.1", "-o", "HostKeyAlias=i-0000000000000003", "me@10.1.0.3", "uptime"])
        #expect(plan.notices == ["2.app (i-0000000000000003) has only private addresses; going through bastion (i-00000000000000b1, 54.1.0.1) as [companion] jump says"])
        // Public instances, the jump host itself, IPv6 and an explicit --public need none.
        #expect(try rewriter(jump: .everywhere("bastion")).plan(["bastion"]).notices.isEmpty)
        #expect(try rewriter(jump: .everywhere("bastion")).plan(["open"]).notices.isEmpty)
        #expect(try rewriter(address: .ipv6, jump: .everywhere("bastion")).plan(["open"]).notices.isEmpty)
        // An explicit jump on the command line wins, in any spelling.
        for explicit in [["-J", "bastion-b"], ["-o", "ProxyJump=none"], ["-oProxyCommand=nc %h %p"]] {
            let own = try rewriter(jump: .everywhere("bastion")).plan(explicit + ["2.app"])
            #expect(own.notices.isEmpty && own.arguments.filter { $0 == "-J" }.count == (explicit.first == "-J" ? 1 : 0))
        }
    }

    @Test("per VPC, with * for the rest")
    func perVPC() throws {
        let jump = JumpHosts.perVPC(["vpc-0bbb": "bastion-b", "*": "bastion"])
        #expect(try rewriter(jump: jump).plan(["worker"]).arguments.prefix(2) == ["-J", "54.2.0.1"])
        #expect(try rewriter(jump: jump).plan(["2.app"]).arguments.prefix(2) == ["-J", "54.1.0.1"])
        #expect(try rewriter(jump: .perVPC(["vpc-0bbb": "bastion-b"])).plan(["2.app"]).notices.isEmpty)
    }

    @Test("a jump host that is ambiguous or unknown as configured is an error, not a guess")
    func badJumpHost() {
        do throws(CompanionError) {
            _ = try rewriter(jump: .everywhere("app")).plan(["worker"])
            Issue.record("an ambiguous jump host accepted")
        } catch {
            #expect(error.status == .ambiguous)
        }
        do throws(CompanionError) {
            _ = try rewriter(jump: .everywhere("nowhere")).plan(["worker"])
            Issue.record("an unknown jump host accepted")
        } catch {
            #expect(error.status == .notFound && error.message.contains("nowhere"))
        }
    }

    @Test("known host keys are checked strictly in the companion's known_hosts; unknown ones are said")
    func knownHosts() throws {
        let known = try rewriter(knownHosts: "/state/known_hosts").plan(["2.app"])
        #expect(
            known.arguments == [
                "-o", "HostKeyAlias=i-0000000000000003", "-o", "UserKnownHostsFile=/state/known_hosts", "-o",
                "StrictHostKeyChecking=yes", "10.1.0.3",
            ])
        #expect(known.knownHosts == KnownHostsEntry(alias: "i-0000000000000003", keys: [key(3)]))
        #expect(known.unverifiedHost == nil)
        let unknown = try rewriter(knownHosts: "/state/known_hosts").plan(["1.app"])
        #expect(unknown.arguments == ["-o", "HostKeyAlias=i-0000000000000002", "10.1.0.2"])
        #expect(unknown.unverifiedHost?.id == "i-0000000000000002")
        // The person's own choice of files or checking wins.
        let own = try rewriter(knownHosts: "/state/known_hosts").plan(["-o", "StrictHostKeyChecking=no", "2.app"])
        #expect(!own.arguments.contains { $0.hasPrefix("UserKnownHostsFile") } && own.knownHosts == nil)
    }

    @Test("known_hosts entries replace their alias's lines and keep every other line")
    func knownHostsMerge() {
        let entry = KnownHostsEntry(alias: "i-0000000000000003", keys: [key(3)])
        let existing = "i-0000000000000003 ssh-rsa OLD\nother ssh-ed25519 KEEP\ni-0000000000000003,10.1.0.3 ssh-rsa OLD2\n# comment\n"
        let merged = KnownHostsEntry.merge([entry], into: existing)
        #expect(merged == "other ssh-ed25519 KEEP\n# comment\n\(entry.lines[0])\n")
        #expect(KnownHostsEntry.merge([entry], into: merged) == merged)
        #expect(KnownHostsEntry.merge([entry], into: "") == entry.lines[0] + "\n")
    }
}

@Suite("ssh_config for every tool")
struct SSHConfigTests {
    let config = SSHConfig(
        zone: options, address: .auto, user: "deploy", jump: .everywhere("bastion"), knownHostsFile: "/state/known hosts")

    @Test("a Host block per instance with the names that stand for it alone")
    func render() {
        let rendered = config.render(fleet)
        let text = rendered.text
        #expect(text.hasPrefix(SSHConfig.beginMarker + "\n") && text.hasSuffix("Host *\n" + SSHConfig.endMarker + "\n"))
        #expect(
            text.contains(
                """
                Host i-0000000000000003 i-0000000000000003.ec2 2.app 2.app.ec2 2.web.role 2.web.role.ec2
                    HostName 10.1.0.3
                    HostKeyAlias i-0000000000000003
                    UserKnownHostsFile "/state/known hosts"
                    User deploy
                    ProxyJump bastion
                """))
        // The jump host's own block has no ProxyJump; a shared name (app, web.role) names no block.
        #expect(text.contains("Host i-00000000000000b1 i-00000000000000b1.ec2 bastion bastion.ec2"))
        #expect(!text.contains(" app ") && !text.contains(" web.role "))
        #expect(text.components(separatedBy: "ProxyJump").count - 1 == 3)  // 2.app, 3.app, worker
        #expect(rendered.knownHosts.map(\.alias) == ["i-00000000000000b1", "i-0000000000000003"])
        // Stopped instances are not in the zone, so not in the file.
        #expect(!text.contains("i-0000000000000004"))
    }

    @Test("--write replaces only its own block, and refuses a broken one")
    func replaceBlock() throws {
        let block = SSHConfig.beginMarker + "\nHost new\n" + SSHConfig.endMarker + "\n"
        #expect(try SSHConfig.replacingBlock(in: "", with: block) == block)
        let before = "Host mine\n    User me\n"
        let appended = try SSHConfig.replacingBlock(in: before, with: block)
        #expect(appended == before + "\n" + block)
        let surrounded = "Include other\n" + SSHConfig.beginMarker + "\nHost old\n" + SSHConfig.endMarker + "\nHost after\n"
        #expect(
            try SSHConfig.replacingBlock(in: surrounded, with: block)
                == "Include other\n" + SSHConfig.beginMarker + "\nHost new\n" + SSHConfig.endMarker + "\nHost after\n")
        do throws(CompanionError) {
            _ = try SSHConfig.replacingBlock(in: SSHConfig.beginMarker + "\nHost old\n", with: block)
            Issue.record("a block without its end replaced")
        } catch {
            #expect(error.message.contains(SSHConfig.endMarker))
        }
    }
}
