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
        let seedText = try SecretFile.read(auth.signingKeyFile, configFile: file, key: "federation.auth.signing_key_file")
        let signingKey: StellarSigningKey
        do {
            signingKey = try StellarSigningKey(seed: String(decoding: seedText, as: UTF8.self))
        } catch {
            throw ConfigError(
                file: file, key: "federation.auth.signing_key_file",
                message: "\(auth.signingKeyFile) does not hold a Stellar secret seed (S…, 56 characters): \(error)")
        }
        var secret = try SecretFile.read(auth.jwtSecretFile, configFile: file, key: "federation.auth.jwt_secret_file")
        while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
        let tokens: WebTokenSigner
        do {
            tokens = try WebTokenSigner(secret: secret)
        } catch {
            throw ConfigError(file: file, key: "federation.auth.jwt_secret_file", message: "\(auth.jwtSecretFile): \(error)")
        }
        return AccountKeys(signingKey: signingKey, tokens: tokens)
    }
}
