import Foundation
import Synchronization

/// Runs a program with arguments (no shell), collects its output, and kills it if it runs too long.
///
/// Foundation's `Process` and pipe reads block, so the waiting happens on Dispatch threads, never on the
/// cooperative pool. On timeout the caller is answered at once, even if a grandchild still holds the pipes open.
enum ChildProcess {
    struct Output: Sendable {
        var status: Int32
        var standardOutput: [UInt8]
        var standardError: [UInt8]
    }

    enum Failure: Error, Sendable, Hashable {
        case notFound(String)
        case couldNotStart(String)
        case timedOut(Duration)
    }

    static func run(
        _ arguments: [String], environment: [String: String], timeout: Duration
    ) async throws(Failure) -> Output {
        guard let program = arguments.first, let executable = locate(program, path: environment["PATH"]) else {
            throw Failure.notFound(arguments.first ?? "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let standardOutput = Pipe()
        let standardError = Pipe()
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice

        let outcome: Result<Output, Failure> = await withCheckedContinuation { continuation in
            let finisher = Finisher(continuation)
            let collected = Mutex<(stdout: [UInt8], stderr: [UInt8], status: Int32?, pending: Int)>(([], [], nil, 3))
            @Sendable func partDone(_ update: @Sendable (inout (stdout: [UInt8], stderr: [UInt8], status: Int32?, pending: Int)) -> Void) {
                let result: Output? = collected.withLock { state in
                    update(&state)
                    state.pending -= 1
                    guard state.pending == 0, let status = state.status else { return nil }
                    return Output(status: status, standardOutput: state.stdout, standardError: state.stderr)
                }
                if let result { finisher.finish(.success(result)) }
            }
            process.terminationHandler = { finished in
                let status = finished.terminationStatus
                partDone { $0.status = status }
            }
            do {
                try process.run()
            } catch {
                finisher.finish(.failure(.couldNotStart(error.localizedDescription)))
                return
            }
            let outputHandle = standardOutput.fileHandleForReading
            let errorHandle = standardError.fileHandleForReading
            DispatchQueue.global().async {
                let bytes = Array(outputHandle.readDataToEndOfFile())
                partDone { $0.stdout = bytes }
            }
            DispatchQueue.global().async {
                let bytes = Array(errorHandle.readDataToEndOfFile())
                partDone { $0.stderr = bytes }
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(timeout.nanoseconds))) {
                guard finisher.finish(.failure(.timedOut(timeout))) else { return }
                kill(pid, SIGTERM)
                DispatchQueue.global().asyncAfter(deadline: .now() + 1) { kill(pid, SIGKILL) }
            }
        }
        return try outcome.get()
    }

    /// The executable for `program`: a path if it contains `/`, otherwise the first match on `PATH`.
    static func locate(_ program: String, path: String?) -> String? {
        if program.contains("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? program : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Resumes the continuation exactly once, whichever of completion, failure to start or timeout comes first.
    private final class Finisher: Sendable {
        private let continuation: Mutex<CheckedContinuation<Result<Output, Failure>, Never>?>

        init(_ continuation: CheckedContinuation<Result<Output, Failure>, Never>) {
            self.continuation = Mutex(continuation)
        }

        /// True when this call was the one that finished.
        @discardableResult
        func finish(_ result: Result<Output, Failure>) -> Bool {
            guard let continuation = continuation.withLock({ state in defer { state = nil }; return state }) else {
                return false
            }
            continuation.resume(returning: result)
            return true
        }
    }
}
