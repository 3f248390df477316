import FednsSupport

/// DNS Cookies (RFC 7873) with the interoperable server cookies of RFC 9018: a client that sends a cookie gets
/// one back, made from its own cookie, its address, the time and a secret, so that the next query can show it
/// talked to this server before (what resolvers use to tell real clients from forged sources).
///
/// The server cookie is 16 bytes: version 1, three reserved bytes, a 32-bit timestamp, and SipHash-2-4 of the
/// client cookie, those eight bytes and the client's address under a 16-byte secret. Replicas given the same
/// secrets (`[dns] cookie_secret_file`) accept each other's cookies, and so does any other RFC 9018 server. The
/// first secret makes new cookies; every secret is accepted, so a secret is rotated by putting a new one first and
/// keeping the old one for an hour (a cookie lives an hour).
///
/// fedns never insists on a cookie (no BADCOOKIE): a query without a valid one is answered as before, with a
/// fresh cookie (RFC 7873 §5.2.3, §5.2.4). A COOKIE option of an impossible length is FORMERR (§5.2.2).
public struct ServerCookies: Sendable, Hashable {
    public struct Secret: Sendable, Hashable {
        let k0: UInt64
        let k1: UInt64

        /// A secret of exactly 16 bytes.
        public init?(_ bytes: [UInt8]) {
            guard bytes.count == Self.length else { return nil }
            k0 = (0..<8).reduce(0) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
            k1 = (0..<8).reduce(0) { $0 | UInt64(bytes[8 + $1]) << (8 * UInt64($1)) }
        }

        public static let length = 16

        /// A secret from the system's random source.
        public static func random() -> Secret {
            var generator = SystemRandomNumberGenerator()
            return Secret((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })!
        }
    }

    /// The first makes cookies; all are accepted.
    public let secrets: [Secret]
    /// Seconds since 1970 (the cookie's timestamp); a parameter so tests can stand at RFC 9018's example times.
    private let clock: @Sendable () -> UInt32

    public init(secrets: [Secret], clock: @escaping @Sendable () -> UInt32 = ServerCookies.wallClock) {
        precondition(!secrets.isEmpty, "cookies need a secret")
        self.secrets = secrets
        self.clock = clock
    }

    public static func == (lhs: ServerCookies, rhs: ServerCookies) -> Bool { lhs.secrets == rhs.secrets }
    public func hash(into hasher: inout Hasher) { hasher.combine(secrets) }

    @Sendable public static func wallClock() -> UInt32 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt32(truncatingIfNeeded: now.tv_sec)
    }

    /// A client cookie alone, or with a server cookie of 8 to 32 bytes (RFC 7873 §4).
    public static let clientCookieLength = 8
    static let replyLength = 24

    /// What a query's COOKIE option led to.
    public enum Outcome: Sendable, Equatable {
        /// An impossible length: the query gets FORMERR.
        case malformed
        /// A reply cookie was written; `verified` when the query's server cookie was one of ours and fresh enough
        /// (a client that has talked to us before: response rate limiting lets it through).
        case answered(verified: Bool)
    }

    /// Reads the COOKIE option data of a query from `client` and writes the 24-byte COOKIE option data of the reply
    /// into `reply` (unless malformed).
    public func respond(
        to option: UnsafeRawBufferPointer, client: ClientAddress?, into reply: UnsafeMutableRawPointer
    ) -> Outcome {
        let length = option.count
        guard length == Self.clientCookieLength || (16...40).contains(length), let input = option.baseAddress else {
            return .malformed
        }
        let now = clock()
        if length == Self.replyLength, option[8] == 1, let age = Self.age(of: option, now: now),
            let signer = secrets.firstIndex(where: {
                Self.hash(option, stamp: UnsafeRawBufferPointer(rebasing: option[8..<16]), client: client, secret: $0)
                    == option.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            })
        {
            // Ours and valid. Made with the current secret and younger than half an hour, it is sent back as it is;
            // older, or made with a secret being retired, it is renewed (RFC 9018 §4.3, the rollover of §A.4).
            if signer == 0 && age < 1800 {
                reply.copyMemory(from: input, byteCount: Self.replyLength)
            } else {
                write(option, now: now, client: client, into: reply)
            }
            return .answered(verified: true)
        }
        write(option, now: now, client: client, into: reply)
        return .answered(verified: false)
    }

    /// The option data as an array, for the general answer path.
    public func respond(to option: [UInt8], client: ClientAddress?) -> (Outcome, [UInt8]) {
        var reply = [UInt8](repeating: 0, count: Self.replyLength)
        let outcome = option.withUnsafeBytes { option in
            reply.withUnsafeMutableBytes { respond(to: option, client: client, into: $0.baseAddress!) }
        }
        return (outcome, outcome == .malformed ? [] : reply)
    }

    /// A fresh cookie: the client's cookie, version 1, reserved zero, `now`, and the hash under the first secret.
    private func write(_ option: UnsafeRawBufferPointer, now: UInt32, client: ClientAddress?, into reply: UnsafeMutableRawPointer) {
        reply.copyMemory(from: option.baseAddress!, byteCount: Self.clientCookieLength)
        let stamp = UInt64(1) << 56 | UInt64(now)  // version 1, three reserved zero bytes, the timestamp
        withUnsafeBytes(of: stamp.bigEndian) { stamp in
            (reply + 8).copyMemory(from: stamp.baseAddress!, byteCount: 8)
            let hash = Self.hash(option, stamp: stamp, client: client, secret: secrets[0])
            withUnsafeBytes(of: hash) { (reply + 16).copyMemory(from: $0.baseAddress!, byteCount: 8) }
        }
    }

    /// SipHash-2-4 over the client cookie (the first 8 bytes of `option`), the 8 bytes of version, reserved and
    /// timestamp (as received when checking: reserved bytes a client set are part of the hash) and the client's
    /// address; in memory order, it is the hash's little-endian wire form.
    private static func hash(
        _ option: UnsafeRawBufferPointer, stamp: UnsafeRawBufferPointer, client: ClientAddress?, secret: Secret
    ) -> UInt64 {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { input in
            input.copyMemory(from: UnsafeRawBufferPointer(rebasing: option[0..<8]))
            UnsafeMutableRawBufferPointer(rebasing: input[8..<16]).copyMemory(from: stamp)
            var count = 16
            if let client {
                let bytes = client.isIPv6 ? 16 : 4
                for index in 0..<bytes { input[16 + index] = UInt8(truncatingIfNeeded: client.bits >> (8 * (bytes - 1 - index))) }
                count += bytes
            }
            return SipHash24.hash(k0: secret.k0, k1: secret.k1, UnsafeRawBufferPointer(rebasing: input[0..<count])).littleEndian
        }
    }

    /// The cookie's age in seconds when its timestamp is within an hour before `now` or five minutes after
    /// (clock skew between replicas), in serial-number arithmetic (RFC 1982) so the 2106 wrap does no harm.
    private static func age(of option: UnsafeRawBufferPointer, now: UInt32) -> Int32? {
        let stamp = UInt32(option[12]) << 24 | UInt32(option[13]) << 16 | UInt32(option[14]) << 8 | UInt32(option[15])
        let age = Int32(bitPattern: now &- stamp)
        return (-300...3600).contains(age) ? max(age, 0) : nil
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
