import CPrefetch

/// Addresses to instances as two parallel arrays sorted by address (an address shared by several instances
/// appears once per instance), so that "does any address start with this prefix" (needed to tell an empty
/// non-terminal from a non-existent name, RFC 8020) is a binary search; exact matches, which every PTR query asks
/// for, go through a hash table of where each address's entries start, as `NameTable` does for names: two cache
/// lines, where a binary search over a million addresses misses the cache a dozen times.
struct ReverseIndex<Address: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let addresses: [Address]
    let instances: [Int32]
    /// The first entry of each distinct address + 1 (0: empty), at the address's hash, linear probing, at most
    /// half full.
    private let slots: [Int32]
    /// Prefixes (address >> (totalBits - zoneBits)) of the reverse zones this index makes authoritative.
    let zones: Set<Address>
    let zoneBits: Int
    let totalBits: Int

    /// `precedes` orders the instances that share an address (their PTR RRset).
    init(entries: [(Address, Int32)], zoneBits: Int, totalBits: Int, precedes: (Int32, Int32) -> Bool) {
        let sorted = entries.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : precedes($0.1, $1.1) }
        addresses = sorted.map(\.0)
        instances = sorted.map(\.1)
        zones = Set(addresses.map { $0 >> (totalBits - zoneBits) })
        self.zoneBits = zoneBits
        self.totalBits = totalBits
        var slots = [Int32](repeating: 0, count: NameTable.capacity(for: addresses.count))
        let mask = slots.count - 1
        for (index, address) in addresses.enumerated() where index == 0 || addresses[index - 1] != address {
            var position = Self.hash(address) & mask
            while slots[position] != 0 { position = (position + 1) & mask }
            slots[position] = Int32(index + 1)
        }
        self.slots = slots
    }

    /// The instances at exactly `address`, or nil when it is not in the index.
    func instances(at address: Address) -> ArraySlice<Int32>? {
        guard let start = firstEntry(of: address) else { return nil }
        var end = start + 1
        while end < addresses.count && addresses[end] == address { end += 1 }
        return instances[start..<end]
    }

    /// Where the entries of `address` start, or nil when it is not in the index.
    @inline(__always)
    func firstEntry(of address: Address) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            addresses.withUnsafeBufferPointer { addresses in
                let mask = slots.count - 1
                var position = Self.hash(address) & mask
                while true {
                    let entry = Int(slots[position])
                    if entry == 0 { return nil }
                    if addresses[entry - 1] == address { return entry - 1 }
                    position = (position + 1) & mask
                }
            }
        }
    }

    /// Asks for the slot where a lookup of `address` starts to be brought into the cache (a batch's prefetch,
    /// `CompiledZone.prefetchAnswers`).
    @inline(__always)
    func prefetchSlot(of address: Address) {
        slots.withUnsafeBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            fedns_prefetch(base + (Self.hash(address) & (slots.count - 1)))
        }
    }

    /// Asks for the entry in that slot (its address and instance), read after `prefetchSlot(of:)`.
    @inline(__always)
    func prefetchFirstCandidate(of address: Address) {
        slots.withUnsafeBufferPointer { slots in
            addresses.withUnsafeBufferPointer { addresses in
                instances.withUnsafeBufferPointer { instances in
                    let entry = Int(slots[Self.hash(address) & (slots.count - 1)]) - 1
                    guard entry >= 0, let addressBase = addresses.baseAddress, let instanceBase = instances.baseAddress
                    else { return }
                    fedns_prefetch(addressBase + entry)
                    fedns_prefetch(instanceBase + entry)
                }
            }
        }
    }

    /// An address's hash: its 64-bit words folded with `NameTable`'s mixing.
    @inline(__always)
    private static func hash(_ address: Address) -> Int {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        var rest = address
        repeat {
            hash = NameTable.mix(hash ^ UInt64(truncatingIfNeeded: rest))
            rest = Address.bitWidth > 64 ? rest >> 64 : 0
        } while rest != 0
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    /// True when some address begins with the `bits`-bit prefix `prefix`.
    func containsPrefix(_ prefix: Address, bits: Int) -> Bool {
        guard bits > 0 else { return !addresses.isEmpty }
        guard bits < totalBits else { return instances(at: prefix) != nil }
        let low = prefix << (totalBits - bits)
        let index = lowerBound(low)
        return index < addresses.count && addresses[index] >> (totalBits - bits) == prefix
    }

    private func lowerBound(_ value: Address) -> Int {
        var low = 0
        var high = addresses.count
        while low < high {
            let middle = (low + high) / 2
            if addresses[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
