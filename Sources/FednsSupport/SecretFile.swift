import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file that holds a secret (a signing seed, a token secret, a TSIG key): read only when its mode shows that its
/// owner alone may read it, as ssh refuses a private key others can read.
public enum SecretFile {
    /// The file's bytes. `configFile` and `key` name where the path came from, for the error.
    public static func read(_ path: String, configFile: String, key: String) throws(ConfigError) -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigError(file: configFile, key: key, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ConfigError(
                file: configFile, key: key,
                message: "\(path) may be read by others (mode \(String(mode, radix: 8))); make it readable by fedns alone: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: configFile, key: key, message: "cannot read \(path)")
        }
        return Array(data)
    }
}
