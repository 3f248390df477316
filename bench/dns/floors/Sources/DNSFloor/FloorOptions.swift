#if canImport(Glibc)
import Glibc
#endif

/// The floors' command line: `--port N [--host 127.0.0.1] [--threads N] [--batch N]`.
public struct FloorOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 0
    /// Sockets on the port (SO_REUSEPORT), each served by its own thread or event loop.
    public var threads = 1
    /// Datagrams read (and answered) per recvmmsg call.
    public var batch = 64

    public init(arguments: [String]) throws(UsageError) {
        var remaining = arguments.dropFirst()
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port": port = try Self.number(value, flag: flag, in: 1...65535)
            case "--threads": threads = try Self.number(value, flag: flag, in: 1...256)
            case "--batch": batch = try Self.number(value, flag: flag, in: 1...1024)
            default: throw UsageError(message: "unknown option \(flag)")
            }
        }
        guard port != 0 else { throw UsageError(message: "--port is required") }
    }

    /// The options of this process, or a usage message and exit status 2.
    public static func fromCommandLine(program: String) -> FloorOptions {
        do {
            return try FloorOptions(arguments: CommandLine.arguments)
        } catch {
            print("\(program): \(error)")
            exit(2)
        }
    }

    private static func number(_ text: String, flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(message: "\(flag) expects a number in \(range), found \"\(text)\"")
        }
        return value
    }
}

public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "\(message)\nusage: --port N [--host 127.0.0.1] [--threads N] [--batch N]" }
}
