import FednsSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ec2:NAME` as the tmux window name (inside tmux) or the terminal's title (OSC 0), as the original ec2ssh did,
/// so a row of tabs says which host each one is on. Best effort: a title that cannot be set is no error.
enum TerminalTitle {
    static func set(_ title: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["TMUX"] != nil, let tmux = ProgramLauncher.locate("tmux", path: environment["PATH"]).path {
            // The window of this pane, even when another window is the active one.
            var arguments = ["rename-window"]
            if let pane = environment["TMUX_PANE"] { arguments += ["-t", pane] }
            _ = try? QuietCommand.run(tmux, arguments: arguments + [title])
        } else if isatty(STDOUT_FILENO) == 1 {
            // Control characters from an instance's Name tag must not reach the terminal as escapes.
            let printable = String(title.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
            FileHandle.standardOutput.write(Data("\u{1B}]0;\(printable)\u{07}".utf8))
        }
    }
}

extension ProgramLauncher.Lookup {
    var path: String? {
        if case .found(let path) = self { return path }
        return nil
    }
}
