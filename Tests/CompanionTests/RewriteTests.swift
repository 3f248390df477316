import Foundation
import Inventory
import Testing

@testable import Companion

private let fleet = [
    Instance(
        id: "i-0000000000000001", name: "web-1", state: "running", availabilityZone: "eu-west-1a", region: "eu-west-1",
        privateIPv4: ["10.0.0.1"], publicIPv4: "54.0.0.1", ipv6: ["2001:db8::1"], launchTime: Date(timeIntervalSince1970: 100)),
    Instance(id: "i-0000000000000002", name: "db", state: "running", region: "eu-west-1", privateIPv4: ["10.0.0.2"]),
    Instance(
        id: "i-0000000000000003", name: "twin", state: "running", availabilityZone: "us-east-1a", region: "us-east-1",
        privateIPv4: ["10.0.0.3"], launchTime: Date(timeIntervalSince1970: 300)),
    Instance(
        id: "i-0000000000000004", name: "twin", state: "running", availabilityZone: "eu-west-1b", region: "eu-west-1",
        privateIPv4: ["10.0.0.4"], launchTime: Date(timeIntervalSince1970: 200)),
    Instance(id: "i-0000000000000005", name: "sleepy", state: "stopped", region: "eu-west-1", privateIPv4: ["10.0.0.5"]),
]

private func plan(_ tool: OpenSSHTool, _ arguments: [String], duplicates: DuplicatePolicy = .refuse, address: AddressChoice = .auto, alias: Bool = true) throws(CompanionError) -> CommandPlan {
    try CommandRewriter(
        tool: tool, resolver: InstanceResolver(instances: fleet), address: address, duplicates: duplicates, hostKeyAlias: alias
    ).plan(arguments)
}

@Suite("OpenSSH argument grammar")
struct GrammarTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let tool: OpenSSHTool
        let input: [String]
        let output: [String]
        var testDescription: String { "\(tool.rawValue) \(input.joined(separator: " "))" }
    }

    static let alias = ["-o", "HostKeyAlias=i-0000000000000001"]

    static let cases: [Case] = [
        Case(tool: .ssh, input: ["web-1"], output: alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["deploy@web-1"], output: alias + ["deploy@54.0.0.1"]),
        Case(tool: .ssh, input: ["web-1.ec2", "uptime"], output: alias + ["54.0.0.1", "uptime"]),
        Case(tool: .ssh, input: ["WEB-1.eu-west-1"], output: alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["i-0000000000000001"], output: alias + ["54.0.0.1"]),
        // Values of options are never mistaken for the destination, attached or not.
        Case(tool: .ssh, input: ["-p", "2222", "-i", "db", "web-1", "ls", "-l"], output: ["-p", "2222", "-i", "db"] + alias + ["54.0.0.1", "ls", "-l"]),
        Case(tool: .ssh, input: ["-p2222", "-vvA", "-oUser=me", "web-1"], output: ["-p2222", "-vvA", "-oUser=me"] + alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["-L", "8080:localhost:80", "-J", "db", "web-1"], output: ["-L", "8080:localhost:80", "-J", "db"] + alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["-vJdb", "web-1"], output: ["-vJdb"] + alias + ["54.0.0.1"]),
        // ssh reads options after the destination; the command starts at the next non-option.
        Case(tool: .ssh, input: ["web-1", "-t", "sudo", "-i"], output: alias + ["54.0.0.1", "-t", "sudo", "-i"]),
        Case(tool: .ssh, input: ["web-1", "--", "exit", "7"], output: alias + ["54.0.0.1", "--", "exit", "7"]),
        Case(tool: .ssh, input: ["web-1", "echo 'a b'", "c d"], output: alias + ["54.0.0.1", "echo 'a b'", "c d"]),
        Case(tool: .ssh, input: ["ssh://me@web-1:2200"], output: alias + ["ssh://me@54.0.0.1:2200"]),
        Case(tool: .ssh, input: ["-V"], output: ["-V"]),
        Case(tool: .scp, input: ["./app.tgz", "web-1:/tmp/"], output: alias + ["./app.tgz", "54.0.0.1:/tmp/"]),
        Case(tool: .scp, input: ["-P", "2222", "-r", "me@web-1:logs", "out/"], output: alias + ["-P", "2222", "-r", "me@54.0.0.1:logs", "out/"]),
        Case(tool: .scp, input: ["-i", "web-1:x", "dir/file:with:colons", "web-1:"], output: alias + ["-i", "web-1:x", "dir/file:with:colons", "54.0.0.1:"]),
        Case(tool: .scp, input: ["scp://web-1:22/etc/hosts", "."], output: alias + ["scp://54.0.0.1:22/etc/hosts", "."]),
        Case(tool: .scp, input: ["a", "--", "web-1:b"], output: alias + ["a", "--", "54.0.0.1:b"]),
        Case(tool: .sftp, input: ["-b", "batch.txt", "web-1"], output: alias + ["-b", "batch.txt", "54.0.0.1"]),
        Case(tool: .sftp, input: ["web-1:/var/log"], output: alias + ["54.0.0.1:/var/log"]),
        Case(tool: .sftp, input: ["sftp://me@web-1/home/me"], output: alias + ["sftp://me@54.0.0.1/home/me"]),
    ]

    @Test("only destinations are rewritten", arguments: cases)
    func rewrite(_ testCase: Case) throws {
        let result = try plan(testCase.tool, testCase.input)
        #expect(result.arguments == testCase.output)
        #expect(result.program == testCase.tool.rawValue)
    }

    @Test("address choice and IPv6 bracketing")
    func addresses() throws {
        #expect(try plan(.ssh, ["web-1"], address: .private).arguments.last == "10.0.0.1")
        #expect(try plan(.ssh, ["web-1"], address: .ipv6).arguments.last == "2001:db8::1")
        #expect(try plan(.scp, ["web-1:x", "."], address: .ipv6).arguments.suffix(2) == ["[2001:db8::1]:x", "."])
        #expect(try plan(.ssh, ["db"]).arguments.last == "10.0.0.2")  // auto: no public IP
        #expect(throws: CompanionError.self) { try plan(.ssh, ["db"], address: .public) }
    }

    @Test("a HostKeyAlias of the user's own is respected, and can be switched off")
    func aliasHandling() throws {
        let own = try plan(.ssh, ["-o", "HostKeyAlias=mine", "web-1"])
        #expect(own.arguments == ["-o", "HostKeyAlias=mine", "54.0.0.1"])
        #expect(try plan(.ssh, ["web-1"], alias: false).arguments == ["54.0.0.1"])
        let two = try plan(.scp, ["web-1:a", "db:b"])
        #expect(!two.arguments.contains("-o"))
        #expect(two.notes.count == 1)
    }

    @Test("duplicates are refused with the candidates listed, unless a policy picks")
    func duplicates() throws {
        do throws(CompanionError) {
            _ = try plan(.ssh, ["twin"])
            Issue.record("ambiguous name accepted")
        } catch {
            #expect(error.message.contains("2 running instances are called twin"))
            #expect(error.message.contains("i-0000000000000003") && error.message.contains("i-0000000000000004"))
            #expect(error.message.contains("--pick N"))
        }
        // Oldest first: the instance launched at 200 is number 1.
        #expect(try plan(.ssh, ["twin"], duplicates: .first).instances.map(\.id) == ["i-0000000000000004"])
        #expect(try plan(.ssh, ["twin"], duplicates: .pick(2)).instances.map(\.id) == ["i-0000000000000003"])
        #expect(throws: CompanionError.self) { try plan(.ssh, ["twin"], duplicates: .pick(3)) }
        #expect(try plan(.ssh, ["twin.us-east-1"]).instances.map(\.id) == ["i-0000000000000003"])
        let random = try plan(.ssh, ["twin"], duplicates: .random)
        #expect(random.instances.count == 1)
    }

    @Test("stopped and unknown names are clear errors, never a connection to something else")
    func notFound() {
        do throws(CompanionError) {
            _ = try plan(.ssh, ["sleepy"])
            Issue.record("stopped instance accepted")
        } catch {
            #expect(error.message.contains("sleepy is stopped"))
            #expect(error.exitCode == 3)
        }
        do throws(CompanionError) {
            _ = try plan(.ssh, ["web1"])
            Issue.record("unknown name accepted")
        } catch {
            #expect(error.message == "no EC2 instance is called web1; did you mean web-1?")
        }
        #expect(throws: CompanionError.self) { try plan(.ssh, ["example.com"]) }
    }

    @Test("--print text quotes what a shell would need")
    func shellText() throws {
        let result = try plan(.ssh, ["web-1", "echo 'a b'"])
        #expect(result.shellText == "ssh -o HostKeyAlias=i-0000000000000001 54.0.0.1 'echo '\\''a b'\\'''")
    }
}
