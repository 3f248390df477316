import FednsSupport
import Foundation
import Settings

/// Writes, removes and inspects the managed files. `root` prefixes every path (packaging, tests).
public struct ResolverInstaller: Sendable {
    public var root: String
    public var dryRun: Bool

    public init(root: String = "", dryRun: Bool = false) {
        self.root = root
        self.dryRun = dryRun
    }

    public enum FileState: Equatable, Sendable {
        case missing
        case current
        /// Written by fedns, but for another configuration.
        case outdated
        /// A file at that path that fedns did not write; never touched.
        case foreign
    }

    public func state(of file: ManagedFile) -> FileState {
        guard let existing = try? String(contentsOfFile: root + file.path, encoding: .utf8) else { return .missing }
        if existing == file.contents { return .current }
        return existing.contains(ManagedFile.marker) ? .outdated : .foreign
    }

    /// Installs the files; returns a line per file for the person. Foreign files are refused, not overwritten.
    public func install(_ files: [ManagedFile]) throws -> [String] {
        var report: [String] = []
        for file in files {
            switch state(of: file) {
            case .current:
                report.append("unchanged \(root + file.path)")
                continue
            case .foreign:
                throw InstallError(
                    message: "\(root + file.path) exists and was not written by fedns; move it aside or merge it by hand")
            case .missing, .outdated:
                break
            }
            if dryRun {
                report.append("would write \(root + file.path):\n\(file.contents)")
                continue
            }
            let url = URL(fileURLWithPath: root + file.path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .atomic)
            } catch {
                throw InstallError(message: "cannot write \(url.path): \((error as NSError).localizedDescription) (run as root?)")
            }
            report.append("wrote \(url.path)")
            report.append(activate(file))
        }
        return report
    }

    /// Removes the files fedns wrote; leaves foreign ones alone.
    public func uninstall(_ files: [ManagedFile]) throws -> [String] {
        var report: [String] = []
        for file in files {
            switch state(of: file) {
            case .missing:
                report.append("not present \(root + file.path)")
            case .foreign:
                report.append("left alone \(root + file.path) (not written by fedns)")
            case .current, .outdated:
                if dryRun {
                    report.append("would remove \(root + file.path)")
                    continue
                }
                do {
                    try FileManager.default.removeItem(atPath: root + file.path)
                } catch {
                    throw InstallError(message: "cannot remove \(root + file.path): \((error as NSError).localizedDescription)")
                }
                report.append("removed \(root + file.path)")
                report.append(activate(file))
            }
        }
        return report
    }

    /// Runs the file's activation command (restarting the resolver), or says what to run when that is not
    /// possible here (a test root, no systemd).
    private func activate(_ file: ManagedFile) -> String {
        guard let program = file.activate.first else { return "  nothing to reload" }
        let command = file.activate.joined(separator: " ")
        guard root.isEmpty else { return "  then run: \(command)" }
        let status: Int32
        do {
            status = try QuietCommand.run("/usr/bin/env", arguments: [program] + file.activate.dropFirst())
        } catch {
            return "  could not run \(command) (\(error)); run it yourself"
        }
        return status == 0 ? "  ran: \(command)" : "  \(command) failed (status \(status)); run it yourself"
    }
}

public struct InstallError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
