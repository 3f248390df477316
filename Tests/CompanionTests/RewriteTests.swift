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
        Case(tool: .ssh, input: ["web-1.ec2."], output: alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["WEB-1.eu-west-1"], output: alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["web-1.eu-west-1.ec2"], output: alias + ["54.0.0.1"]),
        Case(tool: .ssh, input: ["i-0000000000000001"], output: alias + ["54.0.0.1"]),
        // User names may contain `@`; the host is after the last one.
        Case(tool: .ssh, input: ["me@corp@web-1"], output: alias + ["me@corp@54.0.0.1"]),
        // Values of options are never mistaken for the destination, attached or not.
        Case(tool: .ssh, input: ["-p", "2222", "-i", "db", "web-1", "ls", "-l"], output: alias + ["-p", "2222", "-i", "db", "54.0.0.1", "ls", "-l"]),
        Case(tool: .ssh, input: ["-p2222", "-vvA", "-oUser=me", "web-1"], output: alias + ["-p2222", "-vvA", "-oUser=me", "54.0.0.1"]),
        // Jump hosts named as instances are resolved too, in every spelling of -J and ProxyJump.
        Case(tool: .ssh, input: ["-L", "8080:localhost:80", "-J", "db", "web-1"], output: alias + ["-L", "8080:localhost:80", "-J", "10.0.0.2", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-vJdb", "web-1"], output: alias + ["-vJ10.0.0.2", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-J", "me@db:2222,bastion.example.org", "web-1"], output: alias + ["-J", "me@10.0.0.2:2222,bastion.example.org", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-o", "ProxyJump=ssh://db", "web-1"], output: alias + ["-o", "ProxyJump=ssh://10.0.0.2", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-oproxyjump db", "web-1"], output: alias + ["-oproxyjump 10.0.0.2", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-o", "ProxyJump=none", "web-1"], output: alias + ["-o", "ProxyJump=none", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-l", "web-1", "-W", "db:22", "web-1"], output: alias + ["-l", "web-1", "-W", "db:22", "54.0.0.1"]),
        Case(tool: .ssh, input: ["-E", "web-1", "-S", "none", "-b", "127.0.0.1", "web-1"], output: alias + ["-E", "web-1", "-S", "none", "-b", "127.0.0.1", "54.0.0.1"]),
        // ssh reads options after the destination; the command starts at the next non-option.
        Case(tool: .ssh, input: ["web-1", "-t", "sudo", "-i"], output: alias + ["54.0.0.1", "-t", "sudo", "-i"]),
        Case(tool: .ssh, input: ["web-1", "-p", "2222", "db"], output: alias + ["54.0.0.1", "-p", "2222", "db"]),
        Case(tool: .ssh, input: ["web-1", "--", "exit", "7"], output: alias + ["54.0.0.1", "--", "exit", "7"]),
        // `--` before the destination: the alias must come before it, or ssh would take `-o` for the host.
        Case(tool: .ssh, input: ["-v", "--", "web-1", "ls", "-l"], output: alias + ["-v", "--", "54.0.0.1", "ls", "-l"]),
        Case(tool: .ssh, input: ["web-1", "echo 'a b'", "c d"], output: alias + ["54.0.0.1", "echo 'a b'", "c d"]),
        Case(tool: .ssh, input: ["web-1", ""], output: alias + ["54.0.0.1", ""]),
        Case(tool: .ssh, input: ["ssh://me@web-1:2200"], output: alias + ["ssh://me@54.0.0.1:2200"]),
        Case(tool: .ssh, input: ["-V"], output: ["-V"]),
        Case(tool: .ssh, input: [], output: []),
        // A value flag at the very end has no value; nothing is taken for a destination.
        Case(tool: .ssh, input: ["-p"], output: ["-p"]),
        Case(tool: .scp, input: ["./app.tgz", "web-1:/tmp/"], output: alias + ["./app.tgz", "54.0.0.1:/tmp/"]),
        Case(tool: .scp, input: ["-P", "2222", "-r", "me@web-1:logs", "out/"], output: alias + ["-P", "2222", "-r", "me@54.0.0.1:logs", "out/"]),
        Case(tool: .scp, input: ["-i", "web-1:x", "dir/file:with:colons", "web-1:"], output: alias + ["-i", "web-1:x", "dir/file:with:colons", "54.0.0.1:"]),
        Case(tool: .scp, input: ["scp://web-1:22/etc/hosts", "."], output: alias + ["scp://54.0.0.1:22/etc/hosts", "."]),
        Case(tool: .scp, input: ["a", "--", "web-1:b"], output: alias + ["a", "--", "54.0.0.1:b"]),
        Case(tool: .scp, input: ["my file.txt", "web-1:/tmp/with space/"], output: alias + ["my file.txt", "54.0.0.1:/tmp/with space/"]),
        Case(tool: .scp, input: ["web-1:/var/log/a b", "web-1:c"], output: alias + ["54.0.0.1:/var/log/a b", "54.0.0.1:c"]),
        // scp stops reading options at the first operand; `-r` after it is a file.
        Case(tool: .scp, input: ["-o", "User=x", "a", "web-1:b", "-r"], output: alias + ["-o", "User=x", "a", "54.0.0.1:b", "-r"]),
        Case(tool: .scp, input: ["-3", "-J", "db", "x", "y"], output: ["-3", "-J", "10.0.0.2", "x", "y"]),
        Case(tool: .sftp, input: ["-b", "batch.txt", "web-1"], output: alias + ["-b", "batch.txt", "54.0.0.1"]),
        Case(tool: .sftp, input: ["-b", "-", "-P", "2222", "me@web-1"], output: alias + ["-b", "-", "-P", "2222", "me@54.0.0.1"]),
        Case(tool: .sftp, input: ["web-1:/var/log"], output: alias + ["54.0.0.1:/var/log"]),
        Case(tool: .sftp, input: ["sftp://me@web-1/home/me"], output: alias + ["sftp://me@54.0.0.1/home/me"]),
        Case(tool: .sftp, input: ["-s", "web-1", "-R", "4", "web-1"], output: alias + ["-s", "web-1", "-R", "4", "54.0.0.1"]),
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
        do throws(CompanionError) {
            _ = try plan(.ssh, ["db"], address: .public)
            Issue.record("a missing public address accepted")
        } catch {
            #expect(error.status == .noAddress)
            #expect(error.message == "db (i-0000000000000002) has no public IPv4 address; try --private")
        }
    }

    @Test("a HostKeyAlias of the user's own is respected, and can be switched off")
    func aliasHandling() throws {
        let own = try plan(.ssh, ["-o", "HostKeyAlias=mine", "web-1"])
        #expect(own.arguments == ["-o", "HostKeyAlias=mine", "54.0.0.1"])
        // ssh also reads options after the destination, and `-o` in any spelling.
        #expect(try plan(.ssh, ["web-1", "-ohostkeyalias mine", "ls"]).arguments == ["54.0.0.1", "-ohostkeyalias mine", "ls"])
        #expect(try plan(.ssh, ["web-1"], alias: false).arguments == ["54.0.0.1"])
        let two = try plan(.scp, ["web-1:a", "db:b"])
        #expect(!two.arguments.contains("-o"))
        #expect(two.notes.count == 1)
        // The same instance twice (by name and by id) is one host: the alias applies.
        #expect(try plan(.scp, ["web-1:a", "i-0000000000000001:b"]).arguments.prefix(2) == ["-o", "HostKeyAlias=i-0000000000000001"])
    }

    @Test("duplicates are refused with the candidates listed, unless a policy picks")
    func duplicates() throws {
        do throws(CompanionError) {
            _ = try plan(.ssh, ["twin"])
            Issue.record("ambiguous name accepted")
        } catch {
            #expect(error.status == .ambiguous)
            #expect(error.exitCode == 4)
            #expect(error.message.contains("2 running instances are called twin"))
            #expect(error.message.contains("i-0000000000000003") && error.message.contains("i-0000000000000004"))
            #expect(error.message.contains("--pick N"))
        }
        // Oldest first: the instance launched at 200 is number 1.
        #expect(try plan(.ssh, ["twin"], duplicates: .first).instances.map(\.id) == ["i-0000000000000004"])
        #expect(try plan(.ssh, ["twin"], duplicates: .pick(2)).instances.map(\.id) == ["i-0000000000000003"])
        do throws(CompanionError) {
            _ = try plan(.ssh, ["twin"], duplicates: .pick(3))
            Issue.record("--pick 3 of 2 accepted")
        } catch {
            #expect(error.message.hasPrefix("--pick 3 is out of range: 2 running instances are called twin"))
            #expect(error.status == .ambiguous)
        }
        #expect(try plan(.ssh, ["twin.us-east-1"]).instances.map(\.id) == ["i-0000000000000003"])
        let random = try plan(.ssh, ["twin"], duplicates: .random)
        #expect(random.instances.count == 1)
        // One choice per name on a line: both files go to the same instance, which gets the alias.
        for _ in 0..<8 {
            let copy = try plan(.scp, ["twin:a", "twin:b"], duplicates: .random)
            #expect(Set(copy.instances.map(\.id)).count == 1)
            #expect(copy.arguments.first == "-o")
        }
    }

    @Test("stopped and unknown names are clear errors, never a connection to something else")
    func notFound() {
        do throws(CompanionError) {
            _ = try plan(.ssh, ["sleepy"])
            Issue.record("stopped instance accepted")
        } catch {
            #expect(error.message.contains("sleepy is stopped"))
            #expect(error.message.contains("ec2ssh --start sleepy"))
            #expect(error.exitCode == 3)
            #expect(error.instances.map(\.id) == ["i-0000000000000005"])
            #expect(error.name == "sleepy")
        }
        do throws(CompanionError) {
            _ = try plan(.ssh, ["web1"])
            Issue.record("unknown name accepted")
        } catch {
            #expect(error.message == "no EC2 instance is called web1; did you mean web-1?")
            #expect(error.status == .notFound)
        }
        do throws(CompanionError) {
            _ = try plan(.scp, ["x", "example.com:/tmp"])
            Issue.record("a host outside the inventory accepted")
        } catch {
            #expect(error.message == "no EC2 instance is called example.com; ec2host lists the instances")
        }
    }

    @Test("--print text quotes what a shell would need")
    func shellText() throws {
        let result = try plan(.ssh, ["web-1", "echo 'a b'"])
        #expect(result.shellText == "ssh -o HostKeyAlias=i-0000000000000001 54.0.0.1 'echo '\\''a b'\\'''")
    }

    @Test("the port the program will use, for waiting on a starting instance")
    func ports() {
        #expect(OpenSSHTool.ssh.parse(["-p", "2222", "web-1", "-p", "3333"]).port == 2222)  // ssh: the first wins
        #expect(OpenSSHTool.ssh.parse(["-vp2200", "web-1"]).port == 2200)
        #expect(OpenSSHTool.ssh.parse(["-P", "tag", "web-1"]).port == nil)  // ssh's -P is a tag
        #expect(OpenSSHTool.scp.parse(["-P", "1", "-P", "2", "a", "web-1:b"]).port == 2)  // scp: the last wins
        #expect(OpenSSHTool.sftp.parse(["-P2022", "web-1"]).port == 2022)
        #expect(OpenSSHTool.sftp.parse(["web-1"]).port == nil)
    }

    @Test("the names as typed are kept for the title")
    func names() throws {
        #expect(try plan(.scp, ["me@web-1:a", ".", "db:b"]).names == ["web-1", "db"])
    }

    @Test("--print quotes empty arguments and shell characters")
    func shellQuoting() throws {
        #expect(try plan(.ssh, ["web-1", "", "$HOME", "*"]).shellText.hasSuffix(" 54.0.0.1 '' '$HOME' '*'"))
    }
}

@Suite("Completing destinations with the programs' grammar")
struct DestinationCompletionTests {
    static let names = ["db-1", "twin", "web-1", "web-2"]

    struct Case: CustomTestStringConvertible, Sendable {
        let tool: OpenSSHTool
        let preceding: [String]
        let current: String
        let expected: [String]
        var testDescription: String { "\(tool.rawValue) \((preceding + [current]).joined(separator: " "))" }
    }

    static let cases: [Case] = [
        Case(tool: .ssh, preceding: [], current: "we", expected: ["web-1", "web-2"]),
        Case(tool: .ssh, preceding: [], current: "", expected: names),
        Case(tool: .ssh, preceding: [], current: "WEB-1", expected: ["web-1"]),
        Case(tool: .ssh, preceding: [], current: "me@corp@tw", expected: ["me@corp@twin"]),
        Case(tool: .ssh, preceding: ["-p", "22", "-vA"], current: "d", expected: ["db-1"]),
        Case(tool: .ssh, preceding: ["-vJ"], current: "we", expected: []),  // the value of -J
        Case(tool: .ssh, preceding: ["-i"], current: "we", expected: []),
        Case(tool: .ssh, preceding: ["--"], current: "we", expected: ["web-1", "web-2"]),
        Case(tool: .ssh, preceding: ["web-1"], current: "we", expected: []),  // the remote command
        Case(tool: .ssh, preceding: ["web-1", "-t"], current: "we", expected: []),
        Case(tool: .ssh, preceding: [], current: "-p", expected: []),
        Case(tool: .sftp, preceding: ["-b", "batch"], current: "root@d", expected: ["root@db-1"]),
        Case(tool: .sftp, preceding: [], current: "web-1:/va", expected: []),
        Case(tool: .scp, preceding: [], current: "tw", expected: ["twin:"]),
        Case(tool: .scp, preceding: ["-r", "./dir"], current: "me@we", expected: ["me@web-1:", "me@web-2:"]),
        Case(tool: .scp, preceding: ["twin:a"], current: "d", expected: ["db-1:"]),
        Case(tool: .scp, preceding: ["-i"], current: "d", expected: []),
        Case(tool: .scp, preceding: [], current: "./d", expected: []),
        Case(tool: .scp, preceding: [], current: "dir/d", expected: []),
        Case(tool: .scp, preceding: [], current: "~/d", expected: []),
        Case(tool: .scp, preceding: [], current: "db-1:/tmp", expected: []),
    ]

    @Test("candidates", arguments: cases)
    func candidates(_ testCase: Case) {
        #expect(
            DestinationCompletion.candidates(
                tool: testCase.tool, preceding: testCase.preceding, current: testCase.current, names: Self.names)
                == testCase.expected)
    }
}
