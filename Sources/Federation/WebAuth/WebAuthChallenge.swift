import Foundation

/// SEP-10 challenges as this server issues and checks them: pure (the time and the nonce come in), so that the
/// bytes can be compared with the Python stellar-sdk's and every rule tested without a clock.
///
/// A challenge is a v1 transaction from the server's signing key with sequence number 0, time bounds from now to
/// now + the challenge lifetime, a fee of 100 stroops per operation (what the SDKs build), and two `manage_data`
/// operations: `"<home domain> auth"` = 64 base64 characters of 48 random bytes, with the client's account as
/// source, and `"web_auth_domain"` = the host of `WEB_AUTH_ENDPOINT`, with the server's account as source. It is
/// signed by the server. The client adds its signature and posts it back; ``verify(_:now:)`` checks it.
///
/// Only the client account's master key is checked: fedns does not ask Horizon for an account's signers and
/// thresholds, so accounts that sign with other keys are out of scope (documented in the README).
public struct WebAuthService: Sendable {
    public static let nonceBytes = 48
    /// What the SDKs use per operation; the transaction is never submitted, so the number only has to look sane.
    public static let feePerOperation: UInt32 = 100
    /// How far a challenge's start may be in the future (the Python SDK allows the same for clock drift).
    public static let clockSkew: UInt64 = 300
    public static let webAuthDomainKey = "web_auth_domain"

    public let signingKey: StellarSigningKey
    public let network: StellarNetwork
    /// Seconds from issue to the challenge's maximum time.
    public let challengeLifetime: UInt64
    /// The home domains served, each with the host of its `WEB_AUTH_ENDPOINT` (the `web_auth_domain` value).
    public let webAuthDomains: [String: String]

    public init(signingKey: StellarSigningKey, network: StellarNetwork, challengeLifetime: UInt64, webAuthDomains: [String: String]) {
        self.signingKey = signingKey
        self.network = network
        self.challengeLifetime = challengeLifetime
        self.webAuthDomains = webAuthDomains
    }

    /// A signed challenge for `client` to authenticate to `homeDomain`, valid from `now` for the challenge lifetime.
    public func challenge(for client: AccountID, homeDomain: String, now: UInt64, nonce: [UInt8]) throws(ChallengeError)
        -> StellarXDR.Envelope
    {
        guard let webAuthDomain = webAuthDomains[homeDomain] else {
            throw ChallengeError(.invalid, "\(homeDomain) is not a home domain served here")
        }
        guard nonce.count == Self.nonceBytes else {
            throw ChallengeError(.invalid, "a nonce has \(Self.nonceBytes) bytes, not \(nonce.count)")
        }
        let server = StellarXDR.Account.account(signingKey.accountID)
        let operations = [
            StellarXDR.Operation(
                source: .account(client),
                manageData: .init(name: Array("\(homeDomain) auth".utf8), value: Array(Data(nonce).base64EncodedString().utf8))),
            StellarXDR.Operation(
                source: server, manageData: .init(name: Array(Self.webAuthDomainKey.utf8), value: Array(webAuthDomain.utf8))),
        ]
        let transaction = StellarXDR.Transaction(
            source: server, fee: Self.feePerOperation * UInt32(operations.count), sequence: 0,
            timeBounds: .init(minTime: now, maxTime: now + challengeLifetime), memo: .none, operations: operations)
        return StellarXDR.Envelope(
            transaction: transaction, signatures: [signingKey.decoratedSignature(for: transaction.hash(network: network))])
    }

    /// Checks a challenge posted back: issued and signed by this server for one of its home domains, in its time
    /// bounds, and signed by the client account's master key and by nothing else. Whether its nonce was used
    /// before is the caller's to check (it needs the store), with ``VerifiedChallenge/nonce``.
    public func verify(_ envelope: StellarXDR.Envelope, now: UInt64) throws(ChallengeError) -> VerifiedChallenge {
        let transaction = envelope.transaction
        let server = signingKey.accountID
        guard transaction.source == .account(server) else {
            throw ChallengeError(.invalid, "the challenge's source account is \(transaction.source), not this server's SIGNING_KEY \(server)")
        }
        let hash = transaction.hash(network: network)
        // The server's signature first: once it holds, every field below is one this server wrote.
        let serverSignatures = envelope.signatures.filter { $0.hint == server.signatureHint && server.isValidSignature($0.signature, of: hash) }
        guard serverSignatures.count == 1 else {
            throw ChallengeError(
                .invalid,
                serverSignatures.isEmpty
                    ? "the challenge is not signed by this server's SIGNING_KEY (or not for the network \"\(network)\")"
                    : "the challenge carries the server's signature more than once")
        }
        guard transaction.sequence == 0 else { throw ChallengeError(.invalid, "a challenge has sequence number 0") }
        guard let bounds = transaction.timeBounds, bounds.maxTime != 0 else {
            throw ChallengeError(.invalid, "a challenge has time bounds with a maximum time")
        }
        guard transaction.memo == .none else { throw ChallengeError(.invalid, "challenges issued here carry no memo") }
        guard let first = transaction.operations.first else { throw ChallengeError(.invalid, "the challenge has no operations") }

        // The first operation: "<home domain> auth", the nonce, the client as source.
        guard let source = first.source else { throw ChallengeError(.invalid, "the first operation has no source account") }
        guard case .account(let client) = source else {
            throw ChallengeError(.invalid, "muxed accounts (M…) cannot sign in here; use the G… account")
        }
        let name = first.manageData.nameText
        guard name.hasSuffix(" auth"), let webAuthDomain = webAuthDomains[String(name.dropLast(" auth".count))] else {
            throw ChallengeError(.invalid, "the first operation's key is \"\(name.prefix(64))\", not \"<home domain> auth\" for a domain served here")
        }
        let homeDomain = String(name.dropLast(" auth".count))
        guard let nonceBytes = first.manageData.value, nonceBytes.count == 64,
            let decoded = Data(base64Encoded: Data(nonceBytes)), decoded.count == Self.nonceBytes
        else {
            throw ChallengeError(.invalid, "the first operation's value is not 64 base64 characters of a 48-byte nonce")
        }
        var sawWebAuthDomain = false
        for (index, operation) in transaction.operations.enumerated().dropFirst() {
            guard operation.source == .account(server) else {
                throw ChallengeError(.invalid, "operation \(index + 1) does not have the server's account as source")
            }
            guard operation.manageData.nameText == Self.webAuthDomainKey, !sawWebAuthDomain else {
                throw ChallengeError(.invalid, "operation \(index + 1) (\"\(operation.manageData.nameText.prefix(64))\") is not one this server issues")
            }
            guard operation.manageData.value == Array(webAuthDomain.utf8) else {
                throw ChallengeError(.invalid, "web_auth_domain is not \(webAuthDomain)")
            }
            sawWebAuthDomain = true
        }
        guard sawWebAuthDomain else { throw ChallengeError(.invalid, "the challenge has no web_auth_domain operation") }

        guard now <= bounds.maxTime else {
            throw ChallengeError(.expired, "the challenge expired \(now - bounds.maxTime) s ago; request a new one with GET")
        }
        guard now + Self.clockSkew >= bounds.minTime else {
            throw ChallengeError(.invalid, "the challenge is not valid until \(bounds.minTime) (now \(now))")
        }

        // The client: exactly one valid signature by its master key, and no signature from anyone else.
        var clientSignatures = 0
        for signature in envelope.signatures {
            if signature.hint == server.signatureHint, server.isValidSignature(signature.signature, of: hash) { continue }
            guard signature.hint == client.signatureHint, client.isValidSignature(signature.signature, of: hash) else {
                throw ChallengeError(
                    .invalid, "the challenge carries a signature that is neither the server's nor a valid one by \(client)")
            }
            clientSignatures += 1
        }
        guard clientSignatures == 1 else {
            throw ChallengeError(
                .invalid,
                clientSignatures == 0
                    ? "the challenge is not signed by \(client); sign it with that account's key and post it again"
                    : "the challenge is signed by \(client) more than once")
        }
        return VerifiedChallenge(
            account: client, homeDomain: homeDomain, nonce: String(decoding: nonceBytes, as: UTF8.self), hash: hash,
            expiresAt: bounds.maxTime)
    }
}

/// A challenge that passed ``WebAuthService/verify(_:now:)``.
public struct VerifiedChallenge: Hashable, Sendable {
    public var account: AccountID
    public var homeDomain: String
    /// The base64 nonce as it appears in the challenge: the key that makes it single-use.
    public var nonce: String
    /// The transaction hash (the token's `jti`, as SEP-10 suggests).
    public var hash: [UInt8]
    /// The challenge's maximum time: the nonce need not be remembered after it.
    public var expiresAt: UInt64

    public var hashHex: String { hash.map { String(format: "%02x", $0) }.joined() }
}

/// Why a challenge is refused: ``Kind/invalid`` is a request to fix (400, as the anchor test suite expects for
/// signatures that are missing, extra or not the server's), ``Kind/expired`` and ``Kind/replayed`` a sign-in to
/// start again (401).
public struct ChallengeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case invalid, expired, replayed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var status: Int { kind == .invalid ? 400 : 401 }

    public var description: String { message }
}
