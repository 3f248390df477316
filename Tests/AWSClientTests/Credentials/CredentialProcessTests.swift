import FednsSupport
import Foundation
import Testing

@testable import AWSClient

@Suite("credential_process")
struct CredentialProcessTests {
    private func run(_ commandLine: String, home: TestHome, timeout: Duration = .seconds(10)) async throws(CredentialError)
        -> AWSCredentials
    {
        try await CredentialProcess(
            commandLine: commandLine, profile: "p", environment: home.environment(), timeout: timeout
        ).run()
    }

    private func failure(_ commandLine: String, home: TestHome, timeout: Duration = .seconds(10)) async -> String {
        do {
            _ = try await run(commandLine, home: home, timeout: timeout)
            return "(no error)"
        } catch {
            return error.description
        }
    }

    @Test("JSON version 1 with a session token and an expiry")
    func success() async throws {
        try await withTestHome { home in
            let script = try home.write(
                "bin/creds",
                """
                #!/bin/sh
                cat <<'JSON'
                {"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "proc-secret",
                 "SessionToken": "proc-token", "Expiration": "2030-01-02T03:04:05Z"}
                JSON
                """, executable: true)
            let credentials = try await run(script, home: home)
            #expect(credentials.accessKeyID == "ASIAPROC")
            #expect(credentials.secretAccessKey == "proc-secret")
            #expect(credentials.sessionToken == "proc-token")
            #expect(credentials.expiration == ISO8601.parse("2030-01-02T03:04:05Z"))
        }
    }

    @Test("the command line is split like shlex and run without a shell")
    func argumentSplitting() async throws {
        try await withTestHome { home in
            // The script receives its arguments one per line and answers only if they arrived as intended.
            let script = try home.write(
                "bin/check args",
                """
                #!/bin/sh
                expected='a b
                c"d
                $HOME
                '
                actual=$(printf '%s\\n' "$@")
                [ "$actual
                " = "$expected" ] || { echo "got: $actual" >&2; exit 3; }
                echo '{"Version": 1, "AccessKeyId": "AKIDARGS", "SecretAccessKey": "s"}'
                """, executable: true)
            let quoted = script.replacingOccurrences(of: " ", with: "\\ ")
            let credentials = try await run(#"\#(quoted) 'a b' "c\"d" '$HOME'"#, home: home)
            #expect(credentials.accessKeyID == "AKIDARGS")
        }
    }

    @Test("a program found on PATH")
    func pathLookup() async throws {
        try await withTestHome { home in
            let credentials = try await run(
                #"python3 -c "print('{\"Version\": 1, \"AccessKeyId\": \"AKIDPY\", \"SecretAccessKey\": \"s\"}')""#,
                home: home)
            #expect(credentials.accessKeyID == "AKIDPY")
        }
    }

    @Test(
        "bad output is explained without quoting it (it may hold a secret)",
        arguments: [
            (#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "hunter2"}"#, "\"Version\": 2"),
            (#"{"AccessKeyId": "A", "SecretAccessKey": "hunter2"}"#, "without \"Version\": 1"),
            (#"{"Version": 1, "SecretAccessKey": "hunter2"}"#, "no AccessKeyId"),
            (#"{"Version": 1, "AccessKeyId": "A"}"#, "no SecretAccessKey"),
            (#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "hunter2", "Expiration": "soon"}"#, "Expiration \"soon\""),
            ("AccessKeyId=A SecretAccessKey=hunter2", "not a JSON credentials object"),
        ])
    func badOutput(output: String, expected: String) async throws {
        try await withTestHome { home in
            let script = try home.write("bin/bad", "#!/bin/sh\ncat <<'EOF'\n\(output)\nEOF\n", executable: true)
            let message = await failure(script, home: home)
            #expect(message.contains(expected))
            #expect(message.contains("credential_process of profile \"p\""))
            #expect(!message.contains("hunter2"))
        }
    }

    @Test("a failing command: exit status and the first lines of its standard error")
    func nonZeroExit() async throws {
        try await withTestHome { home in
            let script = try home.write(
                "bin/fail", "#!/bin/sh\necho 'session expired, run: vault login' >&2\nexit 7\n", executable: true)
            let message = await failure(script, home: home)
            #expect(message.contains("exited with status 7"))
            #expect(message.contains("session expired, run: vault login"))
        }
    }

    @Test("a command that hangs is stopped at the time limit")
    func timeout() async throws {
        try await withTestHome { home in
            let script = try home.write("bin/slow", "#!/bin/sh\nexec sleep 30\n", executable: true)
            let started = ContinuousClock.now
            let message = await failure(script, home: home, timeout: .milliseconds(300))
            #expect(message.contains("did not finish within 0.3 s"))
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test("a missing program, an unterminated quote and an empty command")
    func unusableCommands() async throws {
        try await withTestHome { home in
            #expect(await failure("no-such-program-xyz --flag", home: home).contains("not an executable file or on PATH"))
            #expect(await failure("/bin/echo 'open", home: home).contains("unterminated quote"))
            #expect(await failure("   ", home: home).contains("is empty"))
        }
    }

    @Test(
        "shlex-compatible splitting",
        arguments: [
            ("a b  c", ["a", "b", "c"]),
            ("'a b' c", ["a b", "c"]),
            (#""a \"b\" \$x \n""#, [#"a "b" $x \n"#]),
            (#"a\ b"#, ["a b"]),
            (#"'it'\''s'"#, ["it's"]),
            ("''", [""]),
            (#"x"y"'z'"#, ["xyz"]),
            ("aws configure export-credentials --profile dev --format process",
             ["aws", "configure", "export-credentials", "--profile", "dev", "--format", "process"]),
            (#"echo '{"Version": 1}'"#, ["echo", #"{"Version": 1}"#]),
        ])
    func shellWords(line: String, expected: [String]) throws {
        #expect(try ShellWords.split(line) == expected)
    }

    @Test("unterminated quotes and a trailing backslash are errors")
    func shellWordsErrors() {
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split("'a") }
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split(#""a"#) }
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split(#"a\"#) }
    }
}
