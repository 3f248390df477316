import Foundation

/// The environment variables the client reads, captured as a value.
///
/// Everything in this module takes its variables from here rather than from the process, so that a whole
/// resolution sees one consistent view and tests (which run in parallel in one process) can each pass their own.
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]

    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// The current process environment.
    public static var process: AWSEnvironment { AWSEnvironment(ProcessInfo.processInfo.environment) }

    /// The value of a variable, or nil when it is unset or empty: the AWS SDKs treat `AWS_PROFILE=` as unset.
    public subscript(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// The first of several spellings that is set (`HTTPS_PROXY`, then `https_proxy`).
    func first(_ names: String...) -> (name: String, value: String)? {
        for name in names {
            if let value = self[name] { return (name, value) }
        }
        return nil
    }

    /// A boolean switch such as `AWS_EC2_METADATA_DISABLED=true`; only `true` (any case) turns it on, as in botocore.
    func isEnabled(_ name: String) -> Bool {
        self[name]?.trimmingCharacters(in: .whitespaces).lowercased() == "true"
    }

    /// The home directory that `~/.aws` lives in.
    var homeDirectory: String {
        self["HOME"] ?? NSHomeDirectory()
    }

    /// Expands a leading `~/` the way the AWS CLI does for file path variables.
    func expandingTilde(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return homeDirectory + path.dropFirst() }
        return path
    }
}
