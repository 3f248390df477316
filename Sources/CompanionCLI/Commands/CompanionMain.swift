import ArgumentParser

/// The entry points of the four executables (each `main.swift` is one call). On the main actor, so that the
/// inherited state is read on the main thread before anything runs elsewhere.
@MainActor
public enum CompanionMain {
    public static func ssh() async { await run(OpenSSHCommand<SSHProgram>.self) }
    public static func scp() async { await run(OpenSSHCommand<SCPProgram>.self) }
    public static func sftp() async { await run(OpenSSHCommand<SFTPProgram>.self) }
    public static func host() async { await run(HostCommand.self) }

    private static func run<Command: AsyncParsableCommand>(_ command: Command.Type) async {
        // Before anything can start a thread or ignore a signal: the program we exec must inherit what we did.
        InheritedState.record()
        await command.main()
    }
}
