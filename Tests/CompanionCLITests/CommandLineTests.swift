import ArgumentParser
import Companion
import Foundation
import Testing

@testable import CompanionCLI

@Suite("The companion's options come first; the rest is the program's, untouched")
struct CommandLineTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let input: [String]
        let passedOn: [String]
        let duplicates: DuplicatePolicy
        let address: AddressChoice?
        let printOnly: Bool
        var testDescription: String { input.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(input: ["web-1"], passedOn: ["web-1"], duplicates: .refuse, address: nil, printOnly: false),
        Case(
            input: ["--pick", "2", "--private", "-p", "22", "web-1", "--print"], passedOn: ["-p", "22", "web-1", "--print"],
            duplicates: .pick(2), address: .private, printOnly: false),
        Case(input: ["--print", "--first", "--", "web-1"], passedOn: ["--", "web-1"], duplicates: .first, address: nil, printOnly: true),
        // A companion option after the destination belongs to the remote command.
        Case(input: ["web-1", "--start", "--random"], passedOn: ["web-1", "--start", "--random"], duplicates: .refuse, address: nil, printOnly: false),
        // Only --help is ours: -h, -V and friends are ssh's.
        Case(input: ["--ipv6", "-h"], passedOn: ["-h"], duplicates: .refuse, address: .ipv6, printOnly: false),
        Case(input: ["--random", "-V"], passedOn: ["-V"], duplicates: .random, address: nil, printOnly: false),
        Case(input: ["--pick=3", "a b", "c"], passedOn: ["a b", "c"], duplicates: .pick(3), address: nil, printOnly: false),
    ]

    @Test("split", arguments: cases)
    func split(_ testCase: Case) throws {
        let command = try OpenSSHCommand<SSHProgram>.parse(testCase.input)
        #expect(command.arguments == testCase.passedOn)
        #expect(command.selection.duplicates == testCase.duplicates)
        #expect(command.selection.address == testCase.address)
        #expect(command.printOnly == testCase.printOnly)
    }

    @Test("host key alias and title follow the flag, else the configuration")
    func inversions() throws {
        #expect(try OpenSSHCommand<SCPProgram>.parse(["a", "b:c"]).hostKeyAlias == nil)
        #expect(try OpenSSHCommand<SCPProgram>.parse(["--no-host-key-alias", "a", "b:c"]).hostKeyAlias == false)
        #expect(try OpenSSHCommand<SFTPProgram>.parse(["--title", "b"]).title == true)
        #expect(try OpenSSHCommand<SFTPProgram>.parse(["--no-title", "b"]).title == false)
    }

    @Test("contradictory choices are usage errors, with the usage exit status")
    func contradictions() {
        for input in [["--first", "--random", "web-1"], ["--pick", "0", "web-1"], ["--private", "--public", "web-1"]] {
            #expect(throws: (any Error).self, "\(input)") { try OpenSSHCommand<SSHProgram>.parse(input) }
        }
        #expect(OpenSSHCommand<SSHProgram>.exitCode(for: ValidationError("x")).rawValue == CompanionExitStatus.usage.rawValue)
        #expect(throws: (any Error).self) { try HostCommand.parse(["--names", "web-1"]) }
        #expect(throws: (any Error).self) { try HostCommand.parse(["--json", "web-1"]) }
        #expect(throws: (any Error).self) { try HostCommand.parse(["--completion", "tcsh"]) }
    }
}

@Suite("Finding the program as execvp would")
struct ProgramLookupTests {
    @Test("the first executable match in PATH wins; a non-executable one is reported when nothing else matches")
    func lookup() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("companion-path-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let plain = root.appendingPathComponent("plain")
        let runnable = root.appendingPathComponent("runnable")
        for directory in [plain, runnable] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        #expect(FileManager.default.createFile(atPath: plain.appendingPathComponent("ssh").path, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(
            FileManager.default.createFile(
                atPath: runnable.appendingPathComponent("ssh").path, contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755]))

        #expect(ProgramLauncher.locate("ssh", path: "\(plain.path):\(runnable.path)") == .found(runnable.appendingPathComponent("ssh").path))
        #expect(ProgramLauncher.locate("ssh", path: plain.path) == .notExecutable(plain.appendingPathComponent("ssh").path))
        #expect(ProgramLauncher.locate("ssh", path: root.path) == .notFound)
        #expect(ProgramLauncher.locate(runnable.appendingPathComponent("ssh").path, path: nil) == .found(runnable.appendingPathComponent("ssh").path))
        #expect(ProgramLauncher.locate(root.appendingPathComponent("nothing").path, path: nil) == .notFound)
    }
}

@Suite("ec2host --complete: the companion's options, then the program's grammar")
struct CompletionWordsTests {
    static let names = ["db-1", "twin", "web-1"]

    @Test("which word is a destination", arguments: [
        (["ec2ssh", "we"], ["web-1"]),
        (["/usr/local/bin/ec2ssh", "--pick", "2", "--private", "tw"], ["twin"]),
        (["ec2ssh", "--pick", "tw"], []),  // the value of --pick
        (["ec2ssh", "--config", "we"], []),
        (["ec2ssh", "--pri"], []),
        (["ec2ssh", "-F", "cfg", "web-1", "d"], []),
        (["ec2scp", "--first", "./x", "d"], ["db-1:"]),
        (["ec2sftp", "-b", "-", "me@d"], ["me@db-1"]),
        (["ec2host", "--private", "d"], ["db-1"]),
        (["ec2host", "web-1", "d"], []),
        (["ec2host", "--completion", "b"], []),
        (["ssh", "we"], []),
        (["ec2ssh"], []),
    ])
    func candidates(words: [String], expected: [String]) {
        #expect(CompletionWords.candidates(words, names: Self.names) == expected)
    }
}
