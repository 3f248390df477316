/// Addresses to instances as two parallel arrays sorted by address (an address shared by several instances
/// appears once per instance), so that exact matches and "does any address start with this prefix" (needed to
/// tell an empty non-terminal from a non-existent name, RFC 8020) are binary searches with no per-entry storage.
struct ReverseIndex<Address: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let addresses: [Address]
    let instances: [Int32]
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
    }

    /// The instances at exactly `address`, or nil when it is not in the index.
    func instances(at address: Address) -> ArraySlice<Int32>? {
        let start = lowerBound(address)
        var end = start
        while end < addresses.count && addresses[end] == address { end += 1 }
        return end > start ? instances[start..<end] : nil
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
