import Metrics
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
/// - Bounded: two generations of at most `capacity` entries each. New replies go into the young one; when it is
///   full it becomes the old one and the previous old one is dropped, and an old entry that is used again moves to
///   the young one. So up to `capacity` replies in use always stay, at constant cost per request (evicting single
///   entries from a dictionary means searching it). Only found addresses are kept, so queries for names that do not
///   exist (anyone can invent them) never push real ones out.
/// - Each use still counts in `fedns_federation_lookups_total`, through the counter the first answer was counted in.
///
/// Shared by every connection of the server behind one lock, held for a dictionary read or write.
final class LookupReplyCache: Sendable {
    struct Entry: Sendable {
        let reply: ResponseBytes
        let counter: Counter
    }

    private struct Storage {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
        var generation = 0

        mutating func insert(_ entry: Entry, for target: String, generationSize: Int) {
            if young.count >= generationSize, young[target] == nil {
                old = young
                young = Dictionary(minimumCapacity: generationSize)
            }
            young[target] = entry
        }
    }

    /// 16,384 replies of about 400 bytes per generation: some 13 MB at most, for two.
    static let defaultCapacity = 16_384

    let capacity: Int
    private let storage = Mutex(Storage())

    init(capacity: Int = LookupReplyCache.defaultCapacity) {
        self.capacity = capacity
    }

    func entry(for target: String) -> Entry? {
        storage.withLock { storage -> Entry? in
            if let entry = storage.young[target] { return entry }
            guard let entry = storage.old.removeValue(forKey: target) else { return nil }
            storage.insert(entry, for: target, generationSize: capacity)
            return entry
        }
    }

    /// Read before computing a reply, and handed back to ``store(_:for:computedAt:)``.
    var generation: Int { storage.withLock { $0.generation } }

    func store(_ entry: Entry, for target: String, computedAt generation: Int) {
        guard capacity > 0 else { return }
        storage.withLock { storage in
            guard storage.generation == generation else { return }
            storage.insert(entry, for: target, generationSize: capacity)
        }
    }

    /// Drops every entry: the address book changed.
    func invalidate() {
        storage.withLock { storage in
            storage.generation &+= 1
            storage.young.removeAll(keepingCapacity: true)
            storage.old.removeAll()
        }
    }

    var count: Int { storage.withLock { $0.young.count + $0.old.count } }
}
