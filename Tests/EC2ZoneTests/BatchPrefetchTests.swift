import DNSWire
import Foundation
import Inventory
import Testing

@testable import EC2Zone

/// The batch prefetch walks each query's lookup ahead of the answer, step by step across a batch. It must arrive
/// where the answer's own lookup does (else it prefetches the wrong memory and helps nothing), and take any bytes
/// at all without reading outside the zone's tables. The reverse index's hash table, which it walks for PTR
/// queries, is checked against a plain search.
@Suite("Batch prefetch")
struct BatchPrefetchTests {
    /// The instance the answer's lookup reaches first for `query`, or -1: what the prefetch should reach.
    static func expectedInstance(_ zone: CompiledZone, name: DNSName, type: RRType) -> Int32 {
        let location = WireName.withKey(name.wire) { key, labels, hash in zone.locate(key, labels: labels, hash: hash) }
        switch location {
        case .instances(let node): return zone.instances(of: node).first ?? -1
        case .reverse(let targets, _) where type == .ptr: return targets.first ?? -1
        default: return -1
        }
    }

    @Test("every name, address and miss of a zone: the walk reaches the instance the answer starts from", arguments: [7, 1_001])
    func reachesTheAnswersInstance(count: Int) throws {
        let fleet = count == Fleet.instances.count ? Fleet.instances : TwoThreadCompileTests.fleet(count)
        let zone = CompiledZone(snapshot: Snapshot(serial: 1, instances: fleet), settings: TwoThreadCompileTests.options)
        let names = AnswerPathParityTests.names(of: zone, fleet: fleet).compactMap { try? DNSName($0) }
        var queries: [[UInt8]] = []
        var expected: [Int32] = []
        for (index, name) in names.enumerated() {
            for type in [RRType.a, .aaaa, .ptr, .mx] {
                queries.append(try Message.query(id: UInt16(index % 65_536), name: name, type: type, edns: index % 2 == 0 ? EDNS() : nil).encodedBytes())
                expected.append(Self.expectedInstance(zone, name: name, type: type))
            }
        }
        let reached = zone.prefetchedInstances(for: queries)
        #expect(reached == expected)
        // Not a vacuous match: most names lead to instances, and PTR queries reach theirs.
        #expect(expected.filter { $0 >= 0 }.count > queries.count / 8)
        #expect(zip(queries, expected).contains { query, instance in instance >= 0 && query.suffix(4).prefix(2) == [0, 12] })
    }

    @Test("any bytes: short, a cut question, compressed, oversized labels, random; nothing reached, nothing read outside")
    func anyBytes() throws {
        let zone = Fleet.zone()
        let valid = try Message.query(id: 1, name: DNSName("appserver-1.ec2."), type: .a).encodedBytes()
        // The query carries an OPT (11 octets): one octet less than that cuts its question's class.
        var queries: [[UInt8]] = [[], [0], Array(valid.prefix(12)), Array(valid.prefix(valid.count - 12))]
        // A compression pointer where the name starts, a label longer than the message, two questions.
        queries.append(Array(valid.prefix(12)) + [0xC0, 0x0C, 0, 1, 0, 1])
        queries.append(Array(valid.prefix(12)) + [63] + Array(repeating: 0x61, count: 10))
        var twoQuestions = valid
        twoQuestions[5] = 2
        queries.append(twoQuestions)
        var generator = SystemRandomNumberGenerator()
        for length in 0..<400 {
            queries.append((0..<(length % 300)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let reached = zone.prefetchedInstances(for: queries)
        for (query, instance) in zip(queries, reached) where instance != -1 { Issue.record("reached \(instance) for \(query)") }
        // The valid query among them is still reached: the group goes on past the bad ones.
        #expect(zone.prefetchedInstances(for: queries + [valid]).last == Self.expectedInstance(zone, name: try DNSName("appserver-1.ec2."), type: .a))
    }

    @Test("the reverse index's exact lookups agree with a search of its sorted entries, shared addresses included")
    func reverseIndex() {
        var generator = SystemRandomNumberGenerator()
        var entries: [(UInt32, Int32)] = []
        for instance in 0..<5_000 {
            // Addresses from a small range, so that many are shared and many hash to nearby slots.
            entries.append((UInt32.random(in: 0x0A00_0000...0x0A00_0FFF, using: &generator), Int32(instance)))
        }
        let index = ReverseIndex(entries: entries, zoneBits: 24, totalBits: 32, precedes: <)
        let byAddress = Dictionary(grouping: entries, by: \.0).mapValues { $0.map(\.1).sorted() }
        for address in UInt32(0x0A00_0000 - 16)...UInt32(0x0A00_1000 + 16) {
            #expect(index.instances(at: address).map(Array.init) == byAddress[address], "\(address)")
        }
        let v6 = ReverseIndex<UInt128>(
            entries: [(1, 0), (UInt128(1) << 64, 1), (UInt128(1) << 64, 2), (.max, 3)], zoneBits: 64, totalBits: 128,
            precedes: <)
        #expect(v6.instances(at: UInt128(1) << 64).map(Array.init) == [1, 2])
        #expect(v6.instances(at: .max).map(Array.init) == [3])
        #expect(v6.instances(at: 2) == nil)
    }
}
