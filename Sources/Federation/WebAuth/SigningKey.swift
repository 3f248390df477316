import Crypto
import Foundation

/// An ed25519 key pair from a Stellar secret seed (`S…`): what signs SEP-10 challenges, published as `SIGNING_KEY`.
///
/// Its description is the public key only: the seed never reaches a log line or a message by accident.
public struct StellarSigningKey: Sendable, CustomStringConvertible {
    /// The 32-byte seed; swift-crypto's key type is not `Sendable` here, so it is rebuilt to sign (cheap next to the
    /// signature itself).
    private let seed: [UInt8]
    public let accountID: AccountID

    /// Reads a seed as Stellar writes it (`S…`, 56 characters). Surrounding whitespace (a file's final newline) is
    /// ignored.
    public init(seed text: some StringProtocol) throws(StrKeyError) {
        let trimmed = String(text).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try StrKey(trimmed)
        guard key.kind == .secretSeed else { throw .wrongKind(found: key.kind, expected: .secretSeed) }
        try self.init(rawSeed: key.payload)
    }

    /// From the 32-byte ed25519 seed.
    public init(rawSeed: [UInt8]) throws(StrKeyError) {
        let privateKey: Curve25519.Signing.PrivateKey
        do {
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawSeed)
        } catch {
            throw .wrongPayloadLength(kind: .secretSeed, found: rawSeed.count, expected: 32)
        }
        seed = rawSeed
        accountID = try AccountID(publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The last four bytes of the public key: how a decorated signature names its signer.
    public var hint: [UInt8] { accountID.signatureHint }

    public func sign(_ data: [UInt8]) -> [UInt8] {
        // Signing with a valid key over any bytes cannot fail in BoringSSL; an empty signature would only fail
        // verification, never pass it.
        (try? Array(Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: data))) ?? []
    }

    /// The signature of a transaction hash, decorated with this key's hint.
    public func decoratedSignature(for hash: [UInt8]) -> StellarXDR.DecoratedSignature {
        StellarXDR.DecoratedSignature(hint: hint, signature: sign(hash))
    }

    public var description: String { "signing key \(accountID)" }
}

extension AccountID {
    /// The hint a decorated signature by this account carries.
    public var signatureHint: [UInt8] { Array(publicKey.suffix(4)) }

    /// True when `signature` is this account's ed25519 signature of `data`.
    public func isValidSignature(_ signature: [UInt8], of data: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            return false
        }
        return key.isValidSignature(signature, for: data)
    }
}
