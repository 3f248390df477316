import Companion
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds and execs the real ssh/scp/sftp: the process becomes the program, so the terminal, signals and exit
/// status are the person's, and the arguments go over as an argv array, never through a shell.
enum ProgramLauncher {
    enum Lookup: Equatable {
        case found(String)
        case notFound
        case notExecutable(String)
    }

    /// Where `execvp` would find `program`: as given when it contains a slash, else the first executable file of
    /// that name in `PATH` (execvp's default path when PATH is unset).
    static func locate(_ program: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> Lookup {
        if program.contains("/") {
            guard FileManager.default.fileExists(atPath: program) else { return .notFound }
            return access(program, X_OK) == 0 ? .found(program) : .notExecutable(program)
        }
        var denied: String?
        for directory in (path ?? "/bin:/usr/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var status = stat()
            guard stat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return .found(candidate) }
            denied = denied ?? candidate
        }
        return denied.map(Lookup.notExecutable) ?? .notFound
    }

    /// The path to exec, or the one-line error and exit status (127 missing, 126 not executable).
    static func require(_ program: String, tool: OpenSSHTool, command: String) -> String {
        switch locate(program) {
        case .found(let path):
            return path
        case .notFound:
            let setting = "or set [companion] \(tool.rawValue) to its path"
            Diagnostics.fail(
                command, .programNotFound,
                program.contains("/")
                    ? "\(program) does not exist; install OpenSSH's client \(setting)"
                    : "\(program) is not on PATH; install OpenSSH's client (Debian: apt-get install openssh-client) \(setting)")
        case .notExecutable(let path):
            Diagnostics.fail(
                command, .programNotExecutable, "\(path) is not executable; fix its permissions, or set [companion] \(tool.rawValue)")
        }
    }

    /// Replaces this process with the program. Returns only when exec failed, ending the command with the
    /// shell's status for that failure.
    static func exec(path: String, arguments: [String], command: String) -> Never {
        InheritedState.restore()
        fflush(nil)
        let argv = arguments.map { strdup($0) } + [nil]
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        let status: CompanionExitStatus = errno == ENOENT ? .programNotFound : .programNotExecutable
        Diagnostics.fail(command, status, "cannot run \(path): \(reason)")
    }
}

/// What this process was started with, restored before exec: the program must get what the person's shell gave us,
/// not what our runtime added. SwiftNIO ignores SIGPIPE process-wide, the thread that execs may block signals the
/// main thread did not, and descriptors opened since (the runtime's epoll instances) must not leak into ssh, while
/// descriptors the person passed on purpose (`3<file`) must stay.
enum InheritedState {
    private struct State: @unchecked Sendable {
        // Plain C values, written once on the main thread before any other thread exists, and only read after.
        var mask = sigset_t()
        var pipe = sigaction()
        var descriptors: Set<Int32> = []
    }

    private static let atLaunch: State = {
        var state = State()
        sigprocmask(SIG_SETMASK, nil, &state.mask)
        sigaction(SIGPIPE, nil, &state.pipe)
        state.descriptors = openDescriptors()
        return state
    }()

    /// Call on the main thread, first thing, before anything starts threads or opens files.
    static func record() {
        _ = atLaunch
    }

    static func restore() {
        var state = atLaunch
        for descriptor in openDescriptors().subtracting(state.descriptors) {
            _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        }
        sigaction(SIGPIPE, &state.pipe, nil)
        pthread_sigmask(SIG_SETMASK, &state.mask, nil)
    }

    /// The open descriptors: from /proc where there is one, else by probing the first 1024.
    private static func openDescriptors() -> Set<Int32> {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            // The directory listing itself used a descriptor that is closed again by now; fcntl weeds it out.
            return Set(names.compactMap { Int32($0) }.filter { fcntl($0, F_GETFD) != -1 })
        }
        return Set((0..<1024).filter { fcntl($0, F_GETFD) != -1 })
    }
}
