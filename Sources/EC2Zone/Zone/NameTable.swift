/// Lower-cased wire-form names to dense indexes (0, 1, 2, … in insertion order), in three flat arrays: the keys'
/// bytes one after another, where each key starts, and an open-addressing table of slots holding each key's hash
/// and index (linear probing, at most half full).
///
/// Built once per zone and then only read. A lookup hashes the name's bytes once and compares bytes only on a
/// hash match: no `DNSName`, no array per key, nothing allocated, so a UDP query can be answered from the packet's
/// own bytes, and a million names cost their bytes plus 20 to 36 per name rather than an object each.
struct NameTable: Sendable {
    private var keyBytes: [UInt8] = []
    /// `keyStarts[i]` is where key `i` begins in `keyBytes`; one more entry marks the end of the last key.
    private var keyStarts: [Int32] = [0]
    /// A key's hash in the high half and its index + 1 in the low half, or 0 for an empty slot: probing compares
    /// hashes within the slots' own cache line, so a lookup of a name that is not there (or a colliding one) reads
    /// no other memory, and a hit reads its key's bytes only once.
    private var slots: [UInt64]

    init(expectedCount: Int = 0) {
        slots = Array(repeating: 0, count: Self.capacity(for: expectedCount))
    }

    var count: Int { keyStarts.count - 1 }

    /// A multiply-and-fold hash over eight bytes at a time (names are short, and a query hashes its name once):
    /// good enough with the load factor kept at one half, and several times quicker than a byte-at-a-time hash.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = mix(hash ^ tail)
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// One round of the hash's mixing (the reverse index hashes addresses with it too).
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0xBF58_476D_1CE4_E5B9)
        return product.high ^ product.low
    }

    /// Makes room for `total` keys of about `averageLength` bytes, so that building does not grow and re-place the
    /// table over and over.
    mutating func reserve(_ total: Int, averageLength: Int = 24) {
        keyBytes.reserveCapacity(total * averageLength)
        keyStarts.reserveCapacity(total + 1)
        let capacity = Self.capacity(for: total)
        guard capacity > slots.count else { return }
        resize(to: capacity)
    }

    /// The index of `key` (a lower-cased wire name), inserting it if it is new.
    @discardableResult
    mutating func insert(_ key: UnsafeRawBufferPointer) -> Int32 {
        insert(key, hash: Self.hash(key))
    }

    /// As above, with the key's `hash` already known.
    @discardableResult
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt32) -> Int32 {
        if let found = find(key, hash: hash) { return found }
        if (count + 1) * 2 > slots.count { grow() }
        let index = Int32(count)
        keyBytes.append(contentsOf: key)
        keyStarts.append(Int32(keyBytes.count))
        place(Self.slot(index, hash: hash))
        return index
    }

    /// The index of `key` (a lower-cased wire name), or nil.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer, hash: UInt32) -> Int32? {
        keyStarts.withUnsafeBufferPointer { starts in
            keyBytes.withUnsafeBytes { bytes in
                guard let keyBase = bytes.baseAddress, let base = key.baseAddress else { return nil }
                return probe(hash: hash) { index in
                    let start = Int(starts[index])
                    let length = Int(starts[index + 1]) - start
                    return length == key.count && memcmp(keyBase + start, base, length) == 0
                }
            }
        }
    }

    /// Probes the slots from `hash`'s own: the first entry with that hash for which `matches` holds, or nil at an
    /// empty slot.
    @inline(__always)
    private func probe(hash: UInt32, _ matches: (Int) -> Bool) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var position = Int(hash) & mask
            while true {
                let entry = slots[position]
                if entry == 0 { return nil }
                if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                    let index = Int(UInt32(truncatingIfNeeded: entry)) - 1
                    if matches(index) { return Int32(index) }
                }
                position = (position + 1) & mask
            }
        }
    }

    func find(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBytes { find($0, hash: Self.hash($0)) }
    }

    /// Asks for the slot where a lookup of `hash` starts to be brought into the cache, for a loop to do ahead of
    /// the lookup: in a table of a million names that slot is usually a cache miss.
    @inline(__always)
    func prefetch(hash: UInt32) {
        slots.withUnsafeBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            fedns_prefetch(base + (Int(hash) & (slots.count - 1)))
        }
    }

    /// The entry a lookup of `hash` would compare keys with first (keys not compared), read after
    /// `prefetch(hash:)` by a batch's prefetch (`CompiledZone.prefetchAnswers`), where a wrong guess costs a cache
    /// line, not an answer.
    @inline(__always)
    func candidate(hash: UInt32) -> Int32? {
        probe(hash: hash) { _ in true }
    }

    /// Asks for where entry `index`'s key starts to be brought into the cache.
    @inline(__always)
    func prefetchKeyStart(_ index: Int32) {
        keyStarts.withUnsafeBufferPointer { starts in
            guard let base = starts.baseAddress, index >= 0, Int(index) < count else { return }
            fedns_prefetch(base + Int(index))
        }
    }

    /// Asks for entry `index`'s key bytes, once where they start is in the cache.
    @inline(__always)
    func prefetchKey(_ index: Int32) {
        keyStarts.withUnsafeBufferPointer { starts in
            keyBytes.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress, index >= 0, Int(index) < count else { return }
                fedns_prefetch(base + Int(starts[Int(index)]))
            }
        }
    }

    /// The key stored at `index`.
    func key(at index: Int32) -> ArraySlice<UInt8> {
        keyBytes[Int(keyStarts[Int(index)])..<Int(keyStarts[Int(index) + 1])]
    }

    /// Bytes held, for the memory figures.
    var memoryFootprint: Int { keyBytes.capacity + keyStarts.capacity * 4 + slots.capacity * 8 }

    @inline(__always)
    private static func slot(_ index: Int32, hash: UInt32) -> UInt64 {
        UInt64(hash) << 32 | UInt64(UInt32(index + 1))
    }

    private mutating func place(_ slot: UInt64) {
        let mask = slots.count - 1
        var position = Int(UInt32(truncatingIfNeeded: slot >> 32)) & mask
        while slots[position] != 0 { position = (position + 1) & mask }
        slots[position] = slot
    }

    private mutating func grow() {
        resize(to: max(16, slots.count * 2))
    }

    /// Places every entry again in `capacity` slots (their hashes are in the slots).
    private mutating func resize(to capacity: Int) {
        let old = slots
        slots = Array(repeating: 0, count: capacity)
        for slot in old where slot != 0 { place(slot) }
    }

    /// Slots for `count` entries at most half full: a power of two, at least 16.
    static func capacity(for count: Int) -> Int {
        var capacity = 16
        while capacity < count * 2 { capacity *= 2 }
        return capacity
    }
}

import CPrefetch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
