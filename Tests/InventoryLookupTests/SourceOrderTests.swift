import AWSDiscovery
import EC2Zone
import Foundation
import Inventory
import Logging
import NIOCore
import Synchronization
import Testing

@testable import InventoryLookup

/// Which source `InventoryLookup` answers from, and what it says about it: one row per situation a command can
/// meet (a running server, a fresh or stale snapshot, AWS up or down, a file source).
@Suite("InventoryLookup: the order of sources")
struct SourceOrderTests {
    static let web = Instance(id: "i-web", name: "web-1", region: "eu-west-1", privateIPv4: ["10.0.0.1"])
    static let db = Instance(id: "i-db", name: "db-1", region: "eu-west-1", privateIPv4: ["10.0.0.2"])
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A scratch directory with an optional snapshot file of a given age.
    struct Scratch {
        let directory: URL
        var snapshotPath: String { directory.appendingPathComponent("snapshot.json").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-lookup-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func writeSnapshot(_ instances: [Instance], age: TimeInterval) throws {
            try SnapshotFile(path: snapshotPath).save(Snapshot(serial: 5, instances: instances))
            let modified = Date().addingTimeInterval(-age)
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: snapshotPath)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    /// Records each AWS read and answers from a script: instances, or an error.
    final class ScriptedAWS: Sendable {
        let answer: Result<[Instance], LookupError>
        private let calls = Mutex(0)
        var count: Int { calls.withLock { $0 } }

        init(_ answer: Result<[Instance], LookupError>) { self.answer = answer }

        var read: InventoryLookup.AWSRead {
            { _, _ in
                self.calls.withLock { $0 += 1 }
                let instances = try self.answer.get()
                return RefreshReport(
                    snapshot: Snapshot(instances: instances),
                    succeeded: [DiscoveryScope(profile: nil, region: "eu-west-1")])
            }
        }
    }

    func awsOptions(_ scratch: Scratch, interval: Duration = .seconds(60)) -> InventoryLookupOptions {
        InventoryLookupOptions(
            source: .aws(
                DiscoveryOptions(
                    refresh: RefreshOptions(regions: .list(["eu-west-1"]), interval: interval, snapshotPath: scratch.snapshotPath))),
            controlAddress: nil, zone: ZoneOptions())
    }

    enum Expected: Equatable {
        case snapshot(warned: Bool)
        case aws
        case failure
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var snapshotAge: TimeInterval?
        var aws: Result<[Instance], LookupError>
        var refresh: Bool
        var expected: Expected
        var awsCalls: Int
        var testDescription: String { label }
    }

    static let down = LookupError(message: "AWS could not be read: eu-west-1: connection refused")

    static let cases: [Case] = [
        Case(label: "a fresh snapshot answers without asking AWS", snapshotAge: 10, aws: .success([web, db]),
            refresh: false, expected: .snapshot(warned: false), awsCalls: 0),
        Case(label: "a snapshot older than the interval: AWS answers", snapshotAge: 600, aws: .success([web, db]),
            refresh: false, expected: .aws, awsCalls: 1),
        Case(label: "--refresh asks AWS even with a fresh snapshot", snapshotAge: 10, aws: .success([web, db]),
            refresh: true, expected: .aws, awsCalls: 1),
        Case(label: "AWS down: the stale snapshot answers, with a warning", snapshotAge: 600, aws: .failure(down),
            refresh: false, expected: .snapshot(warned: true), awsCalls: 1),
        Case(label: "AWS down with --refresh: the snapshot still answers, with a warning", snapshotAge: 10,
            aws: .failure(down), refresh: true, expected: .snapshot(warned: true), awsCalls: 1),
        Case(label: "AWS down and no snapshot: the command fails with AWS's reason", snapshotAge: nil,
            aws: .failure(down), refresh: false, expected: .failure, awsCalls: 1),
        Case(label: "no snapshot: AWS answers", snapshotAge: nil, aws: .success([web]), refresh: false,
            expected: .aws, awsCalls: 1),
    ]

    @Test("AWS source", arguments: cases)
    func awsSource(_ row: Case) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        if let age = row.snapshotAge { try scratch.writeSnapshot([Self.web], age: age) }
        let aws = ScriptedAWS(row.aws)
        let lookup = InventoryLookup(options: awsOptions(scratch), logger: Self.logger, readAWS: aws.read)
        switch row.expected {
        case .failure:
            let error = await #expect(throws: LookupError.self) { try await lookup.fetch(refresh: row.refresh) }
            #expect(error?.message.contains("connection refused") == true)
        case .aws:
            let result = try await lookup.fetch(refresh: row.refresh)
            guard case .aws(let regions, let failed) = result.origin else {
                Issue.record("expected AWS, got \(result.origin)")
                return
            }
            #expect(regions == 1 && failed.isEmpty)
            #expect(result.document.instances.map(\.id) == (try row.aws.get()).map(\.id))
            #expect(result.warning == nil)
        case .snapshot(let warned):
            let result = try await lookup.fetch(refresh: row.refresh)
            guard case .snapshot(let path, let age) = result.origin else {
                Issue.record("expected the snapshot, got \(result.origin)")
                return
            }
            #expect(path == scratch.snapshotPath)
            #expect(abs(age - (row.snapshotAge ?? 0)) < 5)
            #expect(result.document.instances.map(\.id) == ["i-web"])
            #expect((result.warning != nil) == warned)
            if warned { #expect(result.warning?.contains("connection refused") == true) }
        }
        #expect(aws.count == row.awsCalls)
    }

    @Test("a file source is read as it is, and its naming problems listed unless the caller skips them")
    func fileSource() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.directory.appendingPathComponent("inventory.json").path
        let twins = [Self.web, Instance(id: "i-twin", name: "web-1", region: "eu-west-1", privateIPv4: ["10.0.0.3"])]
        try SnapshotFile(path: path).save(Snapshot(instances: twins))
        let options = InventoryLookupOptions(source: .file(path: path), controlAddress: nil, zone: ZoneOptions())
        let aws = ScriptedAWS(.failure(Self.down))

        let full = try await InventoryLookup(options: options, logger: Self.logger, readAWS: aws.read).fetch()
        guard case .file(let origin) = full.origin else {
            Issue.record("expected the file, got \(full.origin)")
            return
        }
        #expect(origin == path)
        #expect(full.document.instances.count == 2)
        #expect(full.document.problems.map(\.kind) == [.duplicateName])

        let quick = try await InventoryLookup(options: options, logger: Self.logger, namingProblems: false, readAWS: aws.read)
            .fetch(refresh: true)
        #expect(quick.document.problems.isEmpty)
        #expect(aws.count == 0)
    }

    @Test("fetchCached never asks AWS: the snapshot whatever its age, else nothing")
    func cachedOnly() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let aws = ScriptedAWS(.success([Self.db]))
        let lookup = InventoryLookup(options: awsOptions(scratch), logger: Self.logger, readAWS: aws.read)
        #expect(await lookup.fetchCached() == nil)
        try scratch.writeSnapshot([Self.web], age: 86_400 * 3)
        let cached = try #require(await lookup.fetchCached())
        #expect(cached.document.instances.map(\.id) == ["i-web"])
        #expect(aws.count == 0)
    }

    @Test("ages are said the way a person reads them", arguments: [
        (5.0, "5 s"), (119, "119 s"), (120, "2 min"), (7199, "119 min"), (7200, "2 h"), (172_799, "47 h"),
        (172_800, "2 days"),
    ])
    func ages(_ age: TimeInterval, _ text: String) {
        #expect(InventoryLookup.describe(age: age) == text)
    }
}
