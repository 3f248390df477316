import Federation
import FednsSupport
import Foundation

/// The two secrets of `[federation.auth]`, read from their files: the Stellar seed that signs challenges and the
/// HS256 secret that signs tokens. A file that group or others may read is refused, as ssh refuses such a private
/// key: a leaked seed lets anyone sign challenges as this server, a leaked secret lets anyone mint tokens.
struct AccountKeys: Sendable {
    let signingKey: StellarSigningKey
    let tokens: WebTokenSigner

    static func load(_ auth: WebAuthOptions, file: String) throws(ConfigError) -> AccountKeys {
        let seedText = try readSecret(auth.signingKeyFile, file: file, key: "federation.auth.signing_key_file")
        let signingKey: StellarSigningKey
        do {
            signingKey = try StellarSigningKey(seed: String(decoding: seedText, as: UTF8.self))
        } catch {
            throw ConfigError(
                file: file, key: "federation.auth.signing_key_file",
                message: "\(auth.signingKeyFile) does not hold a Stellar secret seed (S…, 56 characters): \(error)")
        }
        var secret = try readSecret(auth.jwtSecretFile, file: file, key: "federation.auth.jwt_secret_file")
        while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
        let tokens: WebTokenSigner
        do {
            tokens = try WebTokenSigner(secret: secret)
        } catch {
            throw ConfigError(file: file, key: "federation.auth.jwt_secret_file", message: "\(auth.jwtSecretFile): \(error)")
        }
        return AccountKeys(signingKey: signingKey, tokens: tokens)
    }

    /// The file's bytes, once its mode shows that only its owner can read it.
    private static func readSecret(_ path: String, file: String, key: String) throws(ConfigError) -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigError(file: file, key: key, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ConfigError(
                file: file, key: key,
                message: "\(path) may be read by others (mode \(String(mode, radix: 8))); make it readable by fedns alone: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: file, key: key, message: "cannot read \(path)")
        }
        return Array(data)
    }
}
