/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash, fast on short inputs and safe against anyone
/// who does not know the key. RFC 9018 builds interoperable DNS server cookies with it, so the exact function
/// matters: replicas of any implementation must compute the same value (the unit tests hold it to the paper's
/// and the RFC's vectors).
public enum SipHash24 {
    /// The hash of `bytes` under a 16-byte `key`, as the reference implementation returns it: eight bytes, the
    /// 64-bit result little-endian.
    public static func hash(key: [UInt8], _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(key.count == 16, "a SipHash key is 16 bytes")
        let value = hash(k0: littleEndian(key, 0), k1: littleEndian(key, 8), bytes)
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// The 64-bit result for the key halves `k0` and `k1` (each read little-endian from the key's bytes).
    public static func hash(k0: UInt64, k1: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = State(k0: k0, k1: k1)
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            state.absorb(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            offset += 8
        }
        // The last block: the remaining bytes, and the length's low byte on top.
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        state.absorb(last)
        return state.finish()
    }

    private static func littleEndian(_ bytes: [UInt8], _ start: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[start + $1]) << (8 * UInt64($1)) }
    }

    private struct State {
        var v0: UInt64
        var v1: UInt64
        var v2: UInt64
        var v3: UInt64

        init(k0: UInt64, k1: UInt64) {
            // "somepseudorandomlygeneratedbytes", the paper's initialisation constants.
            v0 = k0 ^ 0x736f_6d65_7073_6575
            v1 = k1 ^ 0x646f_7261_6e64_6f6d
            v2 = k0 ^ 0x6c79_6765_6e65_7261
            v3 = k1 ^ 0x7465_6462_7974_6573
        }

        mutating func absorb(_ block: UInt64) {
            v3 ^= block
            round()
            round()
            v0 ^= block
        }

        mutating func finish() -> UInt64 {
            v2 ^= 0xFF
            round()
            round()
            round()
            round()
            return v0 ^ v1 ^ v2 ^ v3
        }

        @inline(__always)
        private mutating func round() {
            v0 &+= v1
            v1 = v1.rotatedLeft(by: 13)
            v1 ^= v0
            v0 = v0.rotatedLeft(by: 32)
            v2 &+= v3
            v3 = v3.rotatedLeft(by: 16)
            v3 ^= v2
            v0 &+= v3
            v3 = v3.rotatedLeft(by: 21)
            v3 ^= v0
            v2 &+= v1
            v1 = v1.rotatedLeft(by: 17)
            v1 ^= v2
            v2 = v2.rotatedLeft(by: 32)
        }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
