import Foundation

/// Runs a short helper program to completion with no shell, its output and errors discarded: for side effects
/// only (renaming a tmux window, restarting the system resolver), where the exit status is all that matters.
public enum QuietCommand {
    /// - Returns: the program's exit status.
    /// - Throws: when it cannot be started at all.
    @discardableResult
    public static func run(_ executable: String, arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
