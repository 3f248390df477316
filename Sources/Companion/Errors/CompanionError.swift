import Inventory

/// How a companion command ends when it stops before the real program runs. Once `ssh`, `scp` or `sftp` runs, it
/// replaces the command (exec), so its own status is the command's: ssh's 255 for its own failures, else the remote
/// command's. The README's table of exit codes is this enum.
public enum CompanionExitStatus: Int32, Sendable, CaseIterable {
    /// No instance answers to the name (close names are suggested).
    case notFound = 2
    /// The instance exists but is not running (stopped, stopping, pending…), or starting it was declined.
    case notRunning = 3
    /// Several running instances have the name and nothing chose one (or `--pick N` is out of range).
    case ambiguous = 4
    /// The instance has no address of the chosen kind (`--public` on a private-only instance).
    case noAddress = 5
    /// No inventory could be had: no running fedns, no usable snapshot, and AWS could not be read.
    case inventoryUnavailable = 6
    /// The configuration file is invalid.
    case configuration = 7
    /// `--start` failed or timed out.
    case startFailed = 8
    /// The companion's own options are wrong (swift-argument-parser's usage status, `EX_USAGE`).
    case usage = 64
    /// `ssh`, `scp` or `sftp` exists but cannot be executed.
    case programNotExecutable = 126
    /// `ssh`, `scp` or `sftp` is not on `PATH` (the shell's status for a missing command).
    case programNotFound = 127

    /// A few words for `--help`.
    public var meaning: String {
        switch self {
        case .notFound: return "unknown name"
        case .notRunning: return "not running"
        case .ambiguous: return "several instances"
        case .noAddress: return "no such address"
        case .inventoryUnavailable: return "no inventory"
        case .configuration: return "bad configuration"
        case .startFailed: return "--start failed"
        case .usage: return "bad option"
        case .programNotExecutable: return "program not executable"
        case .programNotFound: return "program not found"
        }
    }

    /// `2 unknown name, 3 not running, …` for `--help`.
    public static var summary: String {
        allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: ", ")
    }
}

/// Something that stops the command before the real program runs: what to print, and the exit status.
public struct CompanionError: Error, Sendable, CustomStringConvertible {
    public var status: CompanionExitStatus
    public var message: String
    /// The instances the message lists (the candidates of an ambiguous name, the matches of a stopped one), so a
    /// caller can act on them (`--start`) without parsing the message.
    public var instances: [Instance]
    /// The name as typed, when the error is about one.
    public var name: String?

    public init(_ status: CompanionExitStatus, _ message: String, instances: [Instance] = [], name: String? = nil) {
        self.status = status
        self.message = message
        self.instances = instances
        self.name = name
    }

    public var exitCode: Int32 { status.rawValue }
    public var description: String { message }
}
