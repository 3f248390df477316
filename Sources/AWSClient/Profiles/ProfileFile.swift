import Foundation

/// One AWS shared configuration or credentials file: INI sections of `key = value` lines.
///
/// Parsed like botocore's configparser: `#` and `;` start comment lines, keys are case-insensitive, `:` also
/// separates a key from its value, and indented lines continue the previous value (the nested `s3 =` blocks).
/// A line that is none of these is an error naming the line number only, since the line itself may hold a secret.
package struct ProfileFile: Sendable, Hashable {
    package var path: String
    /// Section header as written inside the brackets (`default`, `profile dev`) → lower-cased key → value.
    package var sections: [String: [String: String]]

    /// Nil when the file does not exist, which is normal (many machines have only one of the two files).
    static func load(path: String) throws(CredentialError) -> ProfileFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialError.failed(
                source: path, problem: "cannot be read (\(error.localizedDescription))",
                fix: "Check the file's permissions.")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    package static func parse(_ text: String, path: String) throws(CredentialError) -> ProfileFile {
        var sections: [String: [String: String]] = [:]
        var section: String?
        var lastKey: String?
        // Split on any line break: "\r\n" is one Character in Swift, so splitting on "\n" alone would miss it.
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }

            if let first = line.first, first == " " || first == "\t", let section, let lastKey {
                sections[section, default: [:]][lastKey, default: ""] += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("["), let close = trimmed.lastIndex(of: "]") {
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
                    .trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw syntaxError(path: path, line: offset + 1, "an empty [section] name") }
                section = name
                lastKey = nil
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw syntaxError(path: path, line: offset + 1, "expected \"[section]\" or \"key = value\"")
            }
            guard let section else {
                throw syntaxError(path: path, line: offset + 1, "a setting before the first [section]")
            }
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            guard !key.isEmpty else { throw syntaxError(path: path, line: offset + 1, "a value without a key") }
            sections[section, default: [:]][key] =
                trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            lastKey = key
        }
        return ProfileFile(path: path, sections: sections)
    }

    private static func syntaxError(path: String, line: Int, _ problem: String) -> CredentialError {
        .failed(
            source: path, problem: "line \(line): \(problem)",
            fix: "Fix that line (the format is described in the AWS CLI guide, \"Configuration and credential file settings\").")
    }
}

/// The credentials file and the config file together, as one place to look up profiles.
///
/// The credentials file names sections `[dev]`; the config file names them `[profile dev]` (and `[default]`).
/// Where both define a key for the same profile, the credentials file wins, as in botocore.
struct ProfileStore: Sendable {
    var credentialsPath: String
    var configPath: String
    var credentialsFile: ProfileFile?
    var configFile: ProfileFile?

    /// Reads `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`) and `AWS_CONFIG_FILE` (default
    /// `~/.aws/config`). Files are read on every load, so edits apply at the next credential refresh.
    static func load(_ environment: AWSEnvironment) throws(CredentialError) -> ProfileStore {
        let credentialsPath = environment.expandingTilde(
            environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        let configPath = environment.expandingTilde(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        return ProfileStore(
            credentialsPath: credentialsPath, configPath: configPath,
            credentialsFile: try ProfileFile.load(path: credentialsPath),
            configFile: try ProfileFile.load(path: configPath))
    }

    /// `[name]` of the credentials file.
    func credentialsSection(_ profile: String) -> [String: String]? {
        credentialsFile?.sections[profile]
    }

    /// `[profile name]` of the config file; for the default profile also `[default]`.
    func configSection(_ profile: String) -> [String: String]? {
        guard let sections = configFile?.sections else { return nil }
        if let section = sections["profile \(profile)"] { return section }
        return profile == "default" ? sections["default"] : nil
    }

    /// Every key of the profile, credentials file over config file; nil when neither file has the profile.
    func profile(_ name: String) -> [String: String]? {
        let config = configSection(name)
        let credentials = credentialsSection(name)
        if config == nil && credentials == nil { return nil }
        return (config ?? [:]).merging(credentials ?? [:]) { _, fromCredentials in fromCredentials }
    }

    /// Profile names in either file, sorted, for "did you mean" messages.
    var profileNames: [String] {
        var names = Set(credentialsFile?.sections.keys.map { $0 } ?? [])
        for section in configFile.map({ Array($0.sections.keys) }) ?? [] {
            if section == "default" {
                names.insert(section)
            } else if section.hasPrefix("profile ") {
                names.insert(String(section.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces))
            }
        }
        return names.sorted()
    }

    /// `/home/me/.aws/credentials (not found) and /home/me/.aws/config`.
    var locations: String {
        func describe(_ path: String, _ file: ProfileFile?) -> String { file == nil ? "\(path) (not found)" : path }
        return "\(describe(credentialsPath, credentialsFile)) and \(describe(configPath, configFile))"
    }
}
