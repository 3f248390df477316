import DNSWire
import Foundation
import Testing

@testable import EC2Zone
@testable import ZoneTransfer

/// The IXFR journal: the differences between successive versions of each zone, the last N of them, in memory and
/// in a file across restarts.
@Suite struct TransferJournalTests {
    /// A version of `example.`: `serial`, and an A record per `host=address` entry.
    static func version(_ serial: UInt32, _ hosts: [String: String], apex: DNSName = "example.") -> ZoneRecords {
        var records = RecordList()
        for (host, address) in hosts {
            records.append(record(host, address, apex: apex))
        }
        var soa = apex.wire + [0, 6, 0, 1, 0, 0, 0, 60]
        let rdata = [UInt8](repeating: 0, count: 2) + (0..<4).map { UInt8(truncatingIfNeeded: serial >> (8 * (3 - $0))) } + [UInt8](repeating: 0, count: 16)
        soa += [0, UInt8(rdata.count)] + rdata
        return ZoneRecords(apex: apex, soa: soa, records: records.sorted(), serial: serial)
    }

    static func record(_ host: String, _ address: String, apex: DNSName = "example.") -> [UInt8] {
        let owner = (try? apex.prepending(label: Array(host.utf8))) ?? apex
        let ip = IPv4Address(address) ?? IPv4Address(0, 0, 0, 0)
        return owner.wire + [0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + (0..<4).map { UInt8(truncatingIfNeeded: ip.value >> (8 * (3 - $0))) }
    }

    static func set(_ list: RecordList) -> Set<[UInt8]> {
        Set((0..<list.count).map { Array(list[$0]) })
    }

    /// What a step holds: the records the new version dropped and those it gained; a changed address is both.
    @Test(arguments: [
        ("an addition", ["a": "10.0.0.1"], ["a": "10.0.0.1", "b": "10.0.0.2"], [] as [(String, String)], [("b", "10.0.0.2")]),
        ("a removal", ["a": "10.0.0.1", "b": "10.0.0.2"], ["a": "10.0.0.1"], [("b", "10.0.0.2")], []),
        ("a change", ["a": "10.0.0.1", "b": "10.0.0.2"], ["a": "10.0.0.1", "b": "10.0.0.3"], [("b", "10.0.0.2")], [("b", "10.0.0.3")]),
        ("no record changed", ["a": "10.0.0.1"], ["a": "10.0.0.1"], [], []),
        ("everything changed", ["a": "10.0.0.1"], ["z": "10.9.9.9"], [("a", "10.0.0.1")], [("z", "10.9.9.9")]),
    ] as [(String, [String: String], [String: String], [(String, String)], [(String, String)])])
    func aStepHoldsTheDifferences(
        _ name: String, _ old: [String: String], _ new: [String: String], _ removed: [(String, String)], _ added: [(String, String)]
    ) throws {
        let journal = TransferJournal(length: 10, path: nil)
        journal.record([Self.version(1, old)])
        #expect(journal.record([Self.version(2, new)]) == ["example."])
        let steps = try #require(journal.steps("example.", from: 1))
        #expect(steps.count == 1)
        let step = try #require(steps.first)
        #expect(step.from == 1 && step.to == 2)
        #expect(step.fromSOA == Self.version(1, old).soa)
        #expect(step.toSOA == Self.version(2, new).soa)
        #expect(Self.set(step.removed) == Set(removed.map { Self.record($0.0, $0.1) }), "\(name)")
        #expect(Self.set(step.added) == Set(added.map { Self.record($0.0, $0.1) }), "\(name)")
    }

    /// The last `length` steps are kept: a serial within them gets the steps from there on, in order; an older
    /// one, or one never served, gets nil (a full transfer); the current serial gets no steps.
    @Test func keepsTheLastNSteps() throws {
        let journal = TransferJournal(length: 3, path: nil)
        for serial in UInt32(1)...6 {
            journal.record([Self.version(serial, ["host": "10.0.0.\(serial)"])])
        }
        let fromThree = try #require(journal.steps("example.", from: 3))
        #expect(fromThree.map(\.from) == [3, 4, 5])
        #expect(fromThree.map(\.to) == [4, 5, 6])
        #expect(journal.steps("example.", from: 5)?.map(\.from) == [5])
        #expect(journal.steps("EXAMPLE.", from: 5)?.count == 1, "zone names compare ignoring case")
        #expect(journal.steps("example.", from: 6)?.isEmpty == true)
        #expect(journal.steps("example.", from: 2) == nil)
        #expect(journal.steps("example.", from: 1) == nil)
        #expect(journal.steps("example.", from: 99) == nil)
        #expect(journal.steps("other.", from: 5) == nil)
    }

    @Test func aJournalOfLengthZeroKeepsNoSteps() {
        let journal = TransferJournal(length: 0, path: nil)
        journal.record([Self.version(1, ["a": "10.0.0.1"])])
        journal.record([Self.version(2, ["a": "10.0.0.2"])])
        #expect(journal.steps("example.", from: 1) == nil)
        #expect(journal.steps("example.", from: 2)?.isEmpty == true)
        #expect(journal.current("example.")?.serial == 2)
    }

    /// Recording the same serial again (a refresh that changed nothing) adds no step and reports no change; a new
    /// zone is reported once; a zone no longer served is forgotten.
    @Test func reportsTheZonesWhoseSerialMoved() {
        let journal = TransferJournal(length: 10, path: nil)
        let reverse: DNSName = "10.in-addr.arpa."
        #expect(Set(journal.record([Self.version(1, ["a": "10.0.0.1"]), Self.version(1, [:], apex: reverse)])) == ["example.", reverse])
        #expect(journal.record([Self.version(1, ["a": "10.0.0.1"]), Self.version(1, [:], apex: reverse)]).isEmpty)
        #expect(journal.steps("example.", from: 1)?.isEmpty == true)
        #expect(journal.record([Self.version(2, ["a": "10.0.0.2"]), Self.version(1, [:], apex: reverse)]) == ["example."])
        #expect(journal.record([Self.version(2, ["a": "10.0.0.2"])]).isEmpty)
        #expect(journal.current(reverse) == nil)
        #expect(journal.steps(reverse, from: 1) == nil)
        #expect(journal.steps("example.", from: 1)?.count == 1)
    }

    /// Serials are compared for equality, so a chain runs on across the wrap from 2^32 - 1 to 0 (RFC 1982).
    @Test func aChainRunsAcrossTheSerialWrap() throws {
        let journal = TransferJournal(length: 10, path: nil)
        let serials: [UInt32] = [0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1]
        for (index, serial) in serials.enumerated() {
            journal.record([Self.version(serial, ["host": "10.0.0.\(index)"])])
        }
        let steps = try #require(journal.steps("example.", from: 0xFFFF_FFFE))
        #expect(steps.map(\.from) == [0xFFFF_FFFE, 0xFFFF_FFFF, 0])
        #expect(steps.map(\.to) == [0xFFFF_FFFF, 0, 1])
    }

    /// RFC 1982 §3.2: whether the client's serial is the server's or later, which decides "you are current".
    @Test(arguments: [
        (UInt32(5), UInt32(5), true), (6, 5, true), (5, 6, false),
        (0, 0xFFFF_FFFF, true), (0xFFFF_FFFF, 0, false), (10, 0xFFFF_FFF0, true), (0xFFFF_FFF0, 10, false),
        (0x7FFF_FFFF, 0, true), (0, 0x7FFF_FFFF, false),
        // 2^31 apart is undefined in RFC 1982: fedns says "not current" both ways, so the client gets a transfer.
        (0x8000_0000, 0, false), (0, 0x8000_0000, false),
    ])
    func serialArithmetic(_ client: UInt32, _ server: UInt32, _ current: Bool) {
        #expect(ZoneTransferService.isAtLeast(client, server) == current)
    }

    // MARK: The file

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fedns-journal-\(UUID().uuidString).ixfr").path
    }

    /// Saved, then read by a new journal (a restart) after the zone's current version is recorded: the same steps.
    @Test func survivesARestart() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = TransferJournal(length: 10, path: path)
        let versions = (UInt32(1)...4).map { Self.version($0, ["a": "10.0.0.\($0)", "b": "10.0.1.\($0 % 2)"]) }
        for version in versions { before.record([version]) }
        try before.save()
        let expected = try #require(before.steps("example.", from: 1))

        let afterwards = TransferJournal(length: 10, path: path)
        afterwards.record([versions[3]])
        #expect(afterwards.load() == nil)
        #expect(afterwards.steps("example.", from: 1) == expected)

        // Read before the first version is recorded (the snapshot loads later): kept until it comes.
        let early = TransferJournal(length: 10, path: path)
        #expect(early.load() == nil)
        early.record([versions[3]])
        #expect(early.steps("example.", from: 2) == Array(expected.dropFirst()))
    }

    /// Steps that do not lead to the serial served now (the inventory changed while fedns was down) are dropped:
    /// the secondaries get a full transfer instead of a wrong increment.
    @Test(arguments: [true, false])
    func stepsThatDoNotLeadToTheCurrentSerialAreDropped(_ recordFirst: Bool) throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = TransferJournal(length: 10, path: path)
        before.record([Self.version(1, ["a": "10.0.0.1"])])
        before.record([Self.version(2, ["a": "10.0.0.2"])])
        try before.save()

        let afterwards = TransferJournal(length: 10, path: path)
        if recordFirst { afterwards.record([Self.version(5, ["a": "10.0.0.5"])]) }
        #expect(afterwards.load() == nil)
        if !recordFirst { afterwards.record([Self.version(5, ["a": "10.0.0.5"])]) }
        #expect(afterwards.steps("example.", from: 1) == nil)
        #expect(afterwards.steps("example.", from: 2) == nil)
    }

    /// A damaged or foreign file is reported and ignored; a missing one is no problem.
    @Test(arguments: [
        Array("not a journal".utf8), Array("fedns-ixfr-journal 1\n".utf8) + [0, 0, 0, 9, 1],
        Array("fedns-ixfr-journal 1\n".utf8) + [0xFF, 0xFF, 0xFF, 0xFF],
    ])
    func aDamagedFileIsIgnored(_ contents: [UInt8]) throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(contents).write(to: URL(fileURLWithPath: path))
        let journal = TransferJournal(length: 10, path: path)
        journal.record([Self.version(2, ["a": "10.0.0.2"])])
        let problem = try #require(journal.load())
        #expect(problem.contains("damaged"))
        #expect(journal.steps("example.", from: 2)?.isEmpty == true)

        #expect(TransferJournal(length: 10, path: Self.temporaryPath()).load() == nil)
    }

    /// The file keeps at most `length` steps per zone when read back, however many it holds.
    @Test func aShorterJournalReadsTheLastSteps() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = TransferJournal(length: 10, path: path)
        for serial in UInt32(1)...6 { before.record([Self.version(serial, ["h": "10.0.0.\(serial)"])]) }
        try before.save()
        let afterwards = TransferJournal(length: 2, path: path)
        afterwards.record([Self.version(6, ["h": "10.0.0.6"])])
        #expect(afterwards.load() == nil)
        #expect(afterwards.steps("example.", from: 4)?.map(\.from) == [4, 5])
        #expect(afterwards.steps("example.", from: 3) == nil)
    }
}
