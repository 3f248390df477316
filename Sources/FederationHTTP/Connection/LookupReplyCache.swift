import NIOCore
import Synchronization

/// Federation lookups answered recently, kept as the bytes that answered them, by request target
/// (`/federation?type=name&q=bob*example.org`): a repeated lookup is answered without reading its query, looking
/// the address up or rendering JSON again, the way an authoritative DNS server answers from a compiled zone.
///
/// What makes this safe:
/// - Only `200` replies to `GET` lookups (`/federation`, or the 2014 root with a query) are kept. Such a reply
///   depends on the target and the address book alone: not on the `Host` (checked per request before the cache is
///   read, with the site's rules), not on any other header, and HEAD gets the same head without the body.
/// - The whole cache is dropped whenever the address book is reloaded (``invalidate()``, called by the mirror's
///   observer). A reply computed from the book before a reload is not kept after it: it is stored only if no
///   reload happened since its ``generation`` was read, before the lookup.
/// - Bounded: at most `capacity` entries, in sets of 16 (a target's set is chosen by its hash, seeded per process).
///   A new reply replaces the least recently used entry of its set, one entry at a time: dropping many at once (a
///   generation, or the whole cache when full) stalls the event loop that happens to do it, and measurably raised
///   the p99 latency. Only found addresses are kept, so queries for names that do not exist (anyone can invent
///   them) never push real ones out.
/// - Each use still counts in `fedns_federation_lookups_total`: an entry keeps the first answer's ``LookupOutcome``,
///   which the fast path counts as it sends the copy.
///
/// Shared by every connection of the server behind one lock, held for a look through one set.
final class LookupReplyCache: Sendable {
    struct Entry: Sendable {
        let reply: ResponseBytes
        let lookup: LookupOutcome
    }

    private struct Slot {
        var hash: Int
        var target: String
        var entry: Entry
        var lastUse: UInt64
    }

    private struct Storage {
        /// `capacity` slots once the first reply is stored; a target's set is `ways` slots in a row.
        var slots: [Slot?] = []
        /// Counts uses, to find the least recently used slot of a set.
        var clock: UInt64 = 0
        var generation = 0
    }

    /// 16,384 replies of about 400 bytes: some 7 MB at most.
    static let defaultCapacity = 16_384
    static let defaultWays = 16

    let capacity: Int
    private let ways: Int
    private let sets: Int
    private let storage = Mutex(Storage())

    init(capacity: Int = LookupReplyCache.defaultCapacity) {
        ways = max(1, min(Self.defaultWays, capacity))
        sets = max(0, capacity) / ways
        self.capacity = sets * ways
    }

    func entry(for target: String) -> Entry? {
        guard sets > 0 else { return nil }
        let hash = target.hashValue
        let set = setStart(hash)
        return storage.withLock { storage -> Entry? in
            guard !storage.slots.isEmpty else { return nil }
            for index in set..<set + ways {
                guard let slot = storage.slots[index], slot.hash == hash, slot.target == target else { continue }
                storage.clock &+= 1
                storage.slots[index]?.lastUse = storage.clock
                return slot.entry
            }
            return nil
        }
    }

    /// Read before computing a reply, and handed back to ``store(_:for:computedAt:)``.
    var generation: Int { storage.withLock { $0.generation } }

    func store(_ entry: Entry, for target: String, computedAt generation: Int) {
        guard sets > 0 else { return }
        let hash = target.hashValue
        let set = setStart(hash)
        storage.withLock { storage in
            guard storage.generation == generation else { return }
            if storage.slots.isEmpty { storage.slots = Array(repeating: nil, count: capacity) }
            // The slot already holding the target, else an empty one, else the least recently used.
            var chosen = set
            for index in set..<set + ways {
                guard let slot = storage.slots[index] else {
                    chosen = index
                    break
                }
                if slot.hash == hash, slot.target == target {
                    chosen = index
                    break
                }
                if let best = storage.slots[chosen], slot.lastUse < best.lastUse { chosen = index }
            }
            storage.clock &+= 1
            storage.slots[chosen] = Slot(hash: hash, target: target, entry: entry, lastUse: storage.clock)
        }
    }

    private func setStart(_ hash: Int) -> Int {
        Int(UInt(bitPattern: hash) % UInt(sets)) * ways
    }

    /// Drops every entry: the address book changed. The entries are released after the lock.
    func invalidate() {
        let dropped = storage.withLock { storage -> [Slot?] in
            storage.generation &+= 1
            defer { storage.slots = [] }
            return storage.slots
        }
        _ = dropped
    }

    /// Entries held (for tests: it counts the slots).
    var count: Int { storage.withLock { $0.slots.count { $0 != nil } } }
}
