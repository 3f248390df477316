/// `credential_process` of a profile: a command whose standard output is a JSON credentials document
/// (`Version: 1`). It is how aws-vault, granted, 1Password and `aws configure export-credentials` plug in.
struct CredentialProcess: Sendable {
    var commandLine: String
    var profile: String
    var environment: AWSEnvironment
    var timeout: Duration

    private var source: String { "credential_process of profile \"\(profile)\"" }

    func run() async throws(CredentialError) -> AWSCredentials {
        let arguments: [String]
        do {
            arguments = try ShellWords.split(commandLine)
        } catch {
            throw CredentialError.failed(
                source: source, problem: "has an unterminated quote",
                fix: "Quote arguments as a POSIX shell would; the command is split like shlex and run without a shell.")
        }
        guard let program = arguments.first else {
            throw CredentialError.failed(
                source: source, problem: "is empty", fix: "Set it to a command that prints credentials as JSON.")
        }
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess.run(arguments, environment: environment.variables, timeout: timeout)
        } catch {
            switch error {
            case .notFound:
                throw CredentialError.failed(
                    source: source, problem: "runs \"\(program)\", which is not an executable file or on PATH",
                    fix: "Install it or give its full path.")
            case .couldNotStart(let reason):
                throw CredentialError.failed(
                    source: source, problem: "could not start \"\(program)\": \(reason)", fix: "Check the command.")
            case .timedOut(let limit):
                throw CredentialError.failed(
                    source: source, problem: "\"\(program)\" did not finish within \(limit.secondsText) and was stopped",
                    fix: "Check that it does not wait for input (an MFA prompt, a browser login) when run unattended.",
                    isTransient: true)
            }
        }
        guard output.status == 0 else {
            // Standard error is for messages, not secrets; its first lines usually say what went wrong.
            let message = String(decoding: output.standardError.prefix(500), as: UTF8.self)
                .split(whereSeparator: \.isNewline).prefix(3).joined(separator: " / ")
            throw CredentialError.failed(
                source: source,
                problem: "\"\(program)\" exited with status \(output.status)"
                    + (message.isEmpty ? "" : ": \(message)"),
                fix: "Run the command by hand to see why it fails.")
        }
        return try CredentialDocument.credentials(
            from: output.standardOutput, source: source, requireVersion1: true,
            fix: "It must print {\"Version\": 1, \"AccessKeyId\": …, \"SecretAccessKey\": …} and optionally "
                + "SessionToken and Expiration.")
    }
}
