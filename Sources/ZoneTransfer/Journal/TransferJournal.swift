import DNSWire
import EC2Zone
import FednsSupport
import Foundation
import Synchronization

/// The differences between successive versions of each zone, for IXFR (RFC 1995): the last `length` steps, kept in
/// memory and, when a path is given, in a file beside the inventory snapshot, so that secondaries still get
/// increments after a restart. A zone's current records are kept too: AXFR sends them, and the next version is
/// compared with them.
public final class TransferJournal: Sendable {
    /// One version to the next: the records to delete and to add.
    public struct Step: Sendable, Hashable {
        public var from: UInt32
        public var to: UInt32
        /// The SOA records of the two versions (owner included).
        public var fromSOA: [UInt8]
        public var toSOA: [UInt8]
        public var removed: RecordList
        public var added: RecordList
    }

    private struct State {
        var current: [DNSName: ZoneRecords] = [:]
        var steps: [DNSName: [Step]] = [:]
        /// Steps read from the file, waiting for the zone's first version after a restart: they are kept when
        /// they lead to its serial.
        var restored: [DNSName: [Step]] = [:]
    }

    public let length: Int
    public let path: String?
    /// Bytes of removed and added records kept per zone at most: a fleet that turns over wholesale every minute
    /// must not grow the journal without bound (older steps go first; a secondary that far behind gets an AXFR).
    public static let maximumBytesPerZone = 64 << 20
    private let state = Mutex(State())

    public init(length: Int, path: String?) {
        self.length = length
        self.path = path
    }

    /// The records of `zone` now, when it has been recorded.
    public func current(_ zone: DNSName) -> ZoneRecords? {
        state.withLock { $0.current[zone.lowercased()] }
    }

    /// Records the zones of a newly published version; a zone whose serial moved gets a step from its previous
    /// version. Returns the zones whose serial changed.
    @discardableResult
    public func record(_ zones: [ZoneRecords]) -> [DNSName] {
        var changed: [DNSName] = []
        let served = Set(zones.map(\.apex))
        state.withLock { state in
            for zone in zones {
                defer { state.current[zone.apex] = zone }
                guard let previous = state.current[zone.apex], previous.serial != zone.serial else {
                    if state.current[zone.apex] == nil {
                        changed.append(zone.apex)
                        if let restored = state.restored.removeValue(forKey: zone.apex), restored.last?.to == zone.serial {
                            state.steps[zone.apex] = restored
                        }
                    }
                    continue
                }
                changed.append(zone.apex)
                let (removed, added) = zone.records.changes(since: previous.records)
                var steps = state.steps[zone.apex] ?? []
                // A chain must be continuous: a step that does not start where the last one ended starts over.
                if let last = steps.last, last.to != previous.serial { steps = [] }
                steps.append(
                    Step(
                        from: previous.serial, to: zone.serial, fromSOA: previous.soa, toSOA: zone.soa, removed: removed,
                        added: added))
                state.steps[zone.apex] = Self.trimmed(steps, length: length)
            }
            // Zones no longer served (a reverse zone whose last instance went) are forgotten.
            for apex in state.current.keys where !served.contains(apex) {
                state.current[apex] = nil
                state.steps[apex] = nil
            }
        }
        return changed
    }

    /// The steps from `serial` to the zone's current serial, or nil when the journal does not reach that far back.
    public func steps(_ zone: DNSName, from serial: UInt32) -> [Step]? {
        state.withLock { state in
            guard let current = state.current[zone.lowercased()] else { return nil }
            if serial == current.serial { return [] }
            let steps = state.steps[zone.lowercased()] ?? []
            guard let start = steps.firstIndex(where: { $0.from == serial }), steps.last?.to == current.serial else {
                return nil
            }
            return Array(steps[start...])
        }
    }

    private static func trimmed(_ steps: [Step], length: Int) -> [Step] {
        var kept = Array(steps.suffix(length))
        var bytes = kept.reduce(0) { $0 + $1.removed.bytes.count + $1.added.bytes.count }
        while bytes > maximumBytesPerZone, let first = kept.first {
            bytes -= first.removed.bytes.count + first.added.bytes.count
            kept.removeFirst()
        }
        return kept
    }

    // MARK: The file

    /// Writes the steps to the file (temporary file, fsync, rename), so a restart does not lose them.
    public func save() throws {
        guard let path else { return }
        let steps = state.withLock { $0.steps }
        var file = JournalFile()
        for (apex, zoneSteps) in steps.sorted(by: { $0.key.description < $1.key.description }) {
            for step in zoneSteps { file.append(apex: apex, step: step) }
        }
        try AtomicFile.write(file.bytes, to: path)
    }

    /// Reads the steps saved before a restart. Those of a zone already recorded are kept when they lead to its
    /// serial; the others wait for the zone's first version (the persisted snapshot may be loaded later). A file
    /// that cannot be read is reported and ignored.
    public func load() -> String? {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let entries = JournalFile.read(Array(data)) else { return "the transfer journal \(path) is damaged; ignored" }
        state.withLock { state in
            var byZone: [DNSName: [Step]] = [:]
            for (apex, step) in entries { byZone[apex, default: []].append(step) }
            for (apex, steps) in byZone {
                let trimmed = Self.trimmed(steps, length: length)
                if let current = state.current[apex] {
                    if steps.last?.to == current.serial { state.steps[apex] = trimmed }
                } else {
                    state.restored[apex] = trimmed
                }
            }
        }
        return nil
    }
}

/// The journal's file: a magic line, then for each step its zone, serials, SOAs and records, length-prefixed.
struct JournalFile {
    static let magic = Array("fedns-ixfr-journal 1\n".utf8)
    private(set) var bytes = JournalFile.magic

    mutating func append(apex: DNSName, step: TransferJournal.Step) {
        field(apex.wire)
        bytes += TSIGRecord.uint16(UInt16(step.from >> 16)) + TSIGRecord.uint16(UInt16(step.from & 0xFFFF))
        bytes += TSIGRecord.uint16(UInt16(step.to >> 16)) + TSIGRecord.uint16(UInt16(step.to & 0xFFFF))
        field(step.fromSOA)
        field(step.toSOA)
        for list in [step.removed, step.added] {
            count(list.count)
            for index in 0..<list.count { field(list[index]) }
        }
    }

    private mutating func count(_ value: Int) {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * (3 - $0))) }
    }

    private mutating func field(_ value: some Collection<UInt8>) {
        count(value.count)
        bytes += value
    }

    static func read(_ data: [UInt8]) -> [(DNSName, TransferJournal.Step)]? {
        guard data.starts(with: magic) else { return nil }
        var position = magic.count
        func uint32() -> UInt32? {
            guard position + 4 <= data.count else { return nil }
            defer { position += 4 }
            return data[position..<(position + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        func field() -> [UInt8]? {
            guard let length = uint32().map(Int.init), position + length <= data.count else { return nil }
            defer { position += length }
            return Array(data[position..<(position + length)])
        }
        func list() -> RecordList? {
            guard let count = uint32(), count <= 50_000_000 else { return nil }
            var list = RecordList()
            for _ in 0..<count {
                guard let record = field() else { return nil }
                list.append(record)
            }
            return list
        }
        var entries: [(DNSName, TransferJournal.Step)] = []
        while position < data.count {
            guard let apexWire = field(), let apex = try? DNSName(wireForm: apexWire), let from = uint32(),
                let to = uint32(), let fromSOA = field(), let toSOA = field(), let removed = list(), let added = list()
            else { return nil }
            entries.append((apex, .init(from: from, to: to, fromSOA: fromSOA, toSOA: toSOA, removed: removed, added: added)))
        }
        return entries
    }
}
