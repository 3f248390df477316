import EC2Zone
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Response rate limiting for UDP (`[dns] rate_limit`, `rate_limit_slip`), for servers reachable beyond loopback:
/// a UDP source address can be forged, so a server answering everything can be made to send its answers to a
/// victim. Each client network (an IPv4 /24, an IPv6 /56, as NSD and Knot group them) gets `responsesPerSecond`
/// replies a second; past that, replies are dropped, except every `slip`-th, which is sent truncated (TC=1, the
/// question alone): a real client behind that network retries over TCP, which cannot be forged, while a victim
/// receives only small replies. `slip = 0` drops every limited reply, `slip = 1` truncates every one.
///
/// Queries with a server cookie of ours (RFC 7873) are never limited: the cookie shows the client received our
/// earlier reply at that address. TCP is never limited.
///
/// The table is fixed (`slots` entries in `stripes` locks): memory does not grow with the number of networks
/// asking, and two networks hashing to one slot share it until one of them stops (which can only let replies
/// through, never stop a network that is under its limit for longer than the second it collided).
public final class ResponseRateLimiter: Sendable {
    /// What to do with one reply.
    public enum Verdict: Sendable, Equatable {
        case send
        case drop
        /// Send it truncated: TC=1, the question alone.
        case slip
    }

    struct Entry {
        var key: UInt64 = 0
        var second: UInt32 = 0
        var count: UInt32 = 0
        var limited: UInt32 = 0
    }

    /// One lock's share of the table, allocated when limiting first counts a reply (a server that never limits
    /// never holds it).
    final class Stripe: Sendable {
        let entries = Mutex<[Entry]>([])
    }

    private let settings: Atomic<UInt64>
    private let stripes: [Stripe]
    private let slotsPerStripe: Int

    /// `responsesPerSecond` 0 turns limiting off.
    public init(responsesPerSecond: Int = 0, slip: Int = 2, stripes: Int = 64, slotsPerStripe: Int = 1024) {
        settings = Atomic(Self.pack(responsesPerSecond: responsesPerSecond, slip: slip))
        self.stripes = (0..<stripes).map { _ in Stripe() }
        self.slotsPerStripe = slotsPerStripe
    }

    /// New limits (a configuration reload); counts already made stay.
    public func configure(responsesPerSecond: Int, slip: Int) {
        settings.store(Self.pack(responsesPerSecond: responsesPerSecond, slip: slip), ordering: .relaxed)
    }

    /// The limits now, read once per batch: (0, _) when limiting is off.
    public var limits: (responsesPerSecond: UInt32, slip: UInt32) {
        let packed = settings.load(ordering: .relaxed)
        return (UInt32(truncatingIfNeeded: packed >> 32), UInt32(truncatingIfNeeded: packed))
    }

    private static func pack(responsesPerSecond: Int, slip: Int) -> UInt64 {
        UInt64(UInt32(clamping: max(0, responsesPerSecond))) << 32 | UInt64(UInt32(clamping: max(0, slip)))
    }

    /// Counts one reply to the network `key` (see `networkKey`) in second `now` under `limits`.
    public func verdict(for key: UInt64, now: UInt32, limits: (responsesPerSecond: UInt32, slip: UInt32)) -> Verdict {
        // Fibonacci hashing spreads neighbouring networks over stripes and slots.
        let hash = key &* 0x9E37_79B9_7F4A_7C15
        let stripe = stripes[Int(truncatingIfNeeded: hash >> 58) % stripes.count]
        let slot = Int(truncatingIfNeeded: (hash >> 32) & 0x3FF_FFFF) % slotsPerStripe
        return stripe.entries.withLock { entries in
            if entries.isEmpty { entries = [Entry](repeating: Entry(), count: slotsPerStripe) }
            if entries[slot].key != key || entries[slot].second != now {
                // A new second (or another network) starts a new count; a network limited last second keeps its
                // slip rhythm.
                let limited = entries[slot].key == key ? entries[slot].limited : 0
                entries[slot] = Entry(key: key, second: now, count: 0, limited: limited)
            }
            entries[slot].count &+= 1
            guard entries[slot].count > limits.responsesPerSecond else { return .send }
            entries[slot].limited &+= 1
            return limits.slip > 0 && entries[slot].limited % limits.slip == 0 ? .slip : .drop
        }
    }

    /// The client's network as one number: the IPv4 /24 or the IPv6 /56, tagged with the family (an IPv4-mapped
    /// IPv6 address counts as its IPv4 address, as `ClientAddress` reads it). Nil for other families.
    public static func networkKey(_ address: UnsafePointer<sockaddr>) -> UInt64? {
        ClientAddress(address).map { client in
            client.isIPv6
                ? UInt64(truncatingIfNeeded: client.bits >> 72) << 8 | 6
                : UInt64(truncatingIfNeeded: client.bits >> 8) << 8 | 4
        }
    }

    /// Rewrites the reply of `length` bytes in `reply` into its truncated form: the header with TC=1, the question
    /// (our replies echo it uncompressed right after the header) and the OPT record, with its server cookie, so
    /// that a client can retry with that cookie and pass; no other records. Returns the new length.
    public static func truncate(_ reply: UnsafeMutableRawBufferPointer, length: Int) -> Int {
        guard length >= 12 else { return length }
        let records = (6..<12).reduce(0) { total, offset in offset % 2 == 0 ? total + Int(reply[offset]) << 8 : total + Int(reply[offset]) }
        reply[2] |= 0x02  // TC
        for offset in 6..<12 { reply[offset] = 0 }  // ANCOUNT, NSCOUNT, ARCOUNT
        guard reply[4] == 0, reply[5] == 1, let nameEnd = skipName(reply, from: 12, length: length, labelsOnly: true),
            nameEnd + 4 <= length
        else {
            reply[4] = 0
            reply[5] = 0
            return 12
        }
        let questionEnd = nameEnd + 4
        // Find the OPT among the records (it is the last one we write) and move it after the question.
        var position = questionEnd
        for _ in 0..<records {
            guard let end = skipName(reply, from: position, length: length, labelsOnly: false), end + 10 <= length else { break }
            let recordEnd = end + 10 + (Int(reply[end + 8]) << 8 | Int(reply[end + 9]))
            guard recordEnd <= length else { break }
            if reply[end] == 0 && reply[end + 1] == 41 {
                let optLength = recordEnd - position
                if let base = reply.baseAddress { (base + questionEnd).copyMemory(from: base + position, byteCount: optLength) }
                reply[11] = 1
                return questionEnd + optLength
            }
            position = recordEnd
        }
        return questionEnd
    }

    /// The end of the name at `start`: labels up to the root, or (unless `labelsOnly`) up to a compression pointer.
    private static func skipName(_ bytes: UnsafeMutableRawBufferPointer, from start: Int, length: Int, labelsOnly: Bool) -> Int? {
        var position = start
        while position < length {
            let byte = bytes[position]
            if byte == 0 { return position + 1 }
            if byte >= 0xC0 { return labelsOnly || position + 2 > length ? nil : position + 2 }
            guard byte < 64 else { return nil }
            position += Int(byte) + 1
        }
        return nil
    }
}
