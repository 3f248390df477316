import Foundation
import Logging
import Synchronization
import Testing

@testable import FednsSupport
@testable import Inventory

@Suite("Snapshots")
struct SnapshotTests {
    @Test("the JSON form round-trips, dates as ISO 8601")
    func roundTrip() throws {
        let snapshot = Snapshot(
            serial: 9, generatedAt: Date(timeIntervalSince1970: 1_790_000_000),
            instances: [
                Instance(
                    id: "i-1", name: "web", tags: ["Name": "web", "env": "prod"], state: "running", type: "t3.micro",
                    availabilityZone: "eu-west-1a", region: "eu-west-1", account: "123456789012",
                    privateIPv4: ["10.0.0.1", "10.0.0.2"], publicIPv4: "54.0.0.1", ipv6: ["2001:db8::1"],
                    privateDNSName: "ip-10-0-0-1", publicDNSName: "ec2-54-0-0-1", launchTime: Date(timeIntervalSince1970: 1_789_000_000))
            ],
            sources: [SourceStatus(region: "eu-west-1", lastSuccess: Date(timeIntervalSince1970: 1_790_000_000), instanceCount: 1)])
        let data = try snapshot.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"generated\" : \"2026-09-21T14:13:20Z\""))
        #expect(text.contains("\"private_ipv4\""))
        #expect(try Snapshot.decode(data) == snapshot)
    }

    @Test("a terse hand-written inventory is accepted; the Name tag fills in the name")
    func terse() throws {
        let snapshot = try Snapshot.decode(Data(#"{"instances":[{"id":"i-1","tags":{"Name":"db"},"az":"us-east-1b"}]}"#.utf8))
        let instance = try #require(snapshot.instances.first)
        #expect(instance.name == "db")
        #expect(instance.region == "us-east-1")
        #expect(instance.state == "running")
    }

    @Test(
        "errors say where the document is wrong",
        arguments: [
            (#"{"instances":[{"name":"x"}]}"#, "instances[0].id"),
            (#"{"instances":[{"id":"i-1","private_ipv4":"10.0.0.1"}]}"#, "instances[0].private_ipv4"),
            (#"{"instances":[{"id":"i-1","launched":"yesterday"}]}"#, "instances[0].launched"),
            (#"{"format":2,"instances":[]}"#, "format"),
            (#"{"instances":"#, "document"),
        ])
    func errors(json: String, path: String) {
        do {
            _ = try Snapshot.decode(Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.reason.hasPrefix(path) || error.reason.contains(path), "\(error.reason)")
        }
    }

    @Test("ISO 8601 with and without fractions, as STS and moto send them")
    func dates() {
        #expect(ISO8601.parse("2026-11-21T09:56:27Z")?.timeIntervalSince1970 == 1_795_254_987)
        #expect(ISO8601.parse("2026-11-21T09:56:27.181570Z").map { Int($0.timeIntervalSince1970) } == 1_795_254_987)
        #expect(ISO8601.parse("2026-11-21T10:56:27+01:00")?.timeIntervalSince1970 == 1_795_254_987)
        #expect(ISO8601.parse("not a date") == nil)
        #expect(ISO8601.format(Date(timeIntervalSince1970: 1_795_254_987)) == "2026-11-21T09:56:27Z")
    }

    @Test("the direct reading of UTC dates agrees with Foundation's, and leaves every other form to it")
    func directUTC() throws {
        // Every 9 days and 7 hours from 1899 to 2101: leap years, century years, before 1970.
        var instant = try Date("1899-12-31T23:59:59Z", strategy: Date.ISO8601FormatStyle())
        while instant.timeIntervalSince1970 < 4_133_980_800 {
            let text = ISO8601.format(instant)
            #expect(ISO8601.parseUTC(text.utf8) == instant, "\(text)")
            instant += 9 * 86400 + 7 * 3600 + 13
        }
        #expect(ISO8601.parseUTC("2024-02-29T12:00:00.250Z".utf8)?.timeIntervalSince1970 == 1_709_208_000.25)
        for other in [
            "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T09:56:60Z",
            "2026-11-21T10:56:27+01:00", "2026-11-21 09:56:27Z", "2026-11-21T09:56:27.Z", "2026-11-21T09:56:27", "",
        ] {
            #expect(ISO8601.parseUTC(other.utf8) == nil, "\(other)")
        }
    }
}

@Suite("Snapshot store")
struct SnapshotStoreTests {
    let instances = [Instance(id: "i-1", name: "a", region: "r"), Instance(id: "i-2", name: "b", region: "r")]

    @Test("the serial stays when the instances are the same and rises when they change")
    func serials() {
        let store = SnapshotStore()
        #expect(!store.isLoaded)
        let first = store.publish(Snapshot(instances: instances))
        #expect(store.isLoaded)
        #expect(first.serial > 1_700_000_000)  // the clock, since the previous serial was 0
        let same = store.publish(Snapshot(instances: instances.reversed()))
        #expect(same.serial == first.serial)
        let changed = store.publish(Snapshot(instances: [instances[0]]))
        #expect(changed.serial == first.serial + 1 || changed.serial > first.serial)
        #expect(store.current.instances.count == 1)
    }

    @Test("an unchanged refresh keeps the instances already held, so its own copy can be freed")
    func unchangedKeepsStorage() {
        let store = SnapshotStore()
        let first = store.publish(Snapshot(instances: instances))
        let held = first.instances.withUnsafeBufferPointer { $0.baseAddress }
        let again = instances.map { $0 }  // equal, in storage of its own
        #expect(again.withUnsafeBufferPointer { $0.baseAddress } != held)
        let same = store.publish(Snapshot(instances: again))
        #expect(same.instances.withUnsafeBufferPointer { $0.baseAddress } == held)
        #expect(store.current.instances.withUnsafeBufferPointer { $0.baseAddress } == held)
        let changed = store.publish(Snapshot(instances: [instances[1], instances[0], instances[0]]))
        #expect(changed.instances.count == 3)
    }

    @Test("a changed refresh keeps the values of the instances that did not change, and takes the changed ones")
    func changedSharesUnchanged() throws {
        func fleet(_ extra: String) throws -> [Instance] {
            // Decoded, as a refresh's are: every string in storage of its own (names longer than 15 bytes are not
            // stored inline).
            let json = #"{"instances":[{"id":"i-0000000000000001","name":"appserver-frontend-1"},"#
                + #"{"id":"i-0000000000000002","name":"appserver-frontend-2"},"#
                + #"{"id":"i-0000000000000003","name":"appserver-frontend-\#(extra)"}]}"#
            return try Snapshot.decode(Data(json.utf8)).instances
        }
        func storage(_ string: String?) -> UnsafePointer<UInt8>? {
            string?.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil
        }
        let store = SnapshotStore()
        let first = store.publish(Snapshot(instances: try fleet("3")))
        let next = try fleet("three")
        #expect(storage(next[0].name) != storage(first.instances[0].name))
        let published = store.publish(Snapshot(instances: next.reversed()))
        #expect(published.serial != first.serial)
        #expect(published.instances.map(\.name) == ["appserver-frontend-three", "appserver-frontend-2", "appserver-frontend-1"])
        #expect(storage(published.instances[2].name) == storage(first.instances[0].name))
        #expect(storage(published.instances[1].name) == storage(first.instances[1].name))
        #expect(storage(published.instances[0].name) == storage(next[2].name))
    }

    @Test("a persisted snapshot keeps its serial")
    func keepSerial() {
        let store = SnapshotStore()
        #expect(store.publish(Snapshot(serial: 5, instances: instances), keepingSerial: true).serial == 5)
    }

    @Test("observers see every publish in order")
    func observers() {
        let store = SnapshotStore()
        let seen = SeenSerials()
        store.observe { seen.append($0.instances.count) }
        store.publish(Snapshot(instances: instances))
        store.publish(Snapshot(instances: []))
        #expect(seen.values == [2, 0])
    }
}

final class SeenSerials: @unchecked Sendable {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}

@Suite("Inventory file")
struct FileInventoryTests {
    @Test("with a background thread, reloads (SIGHUP and the poller's) decode and publish there, at idle priority")
    func reloadsOnTheBackgroundThread() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-inv-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"instances":[{"id":"i-1","name":"a","region":"r"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        let background = await BackgroundThread()
        #expect(background.priority == .idle)
        let store = SnapshotStore()
        let publishedAtIdle = Mutex<[Bool]>([])
        store.observe { _ in publishedAtIdle.withLock { $0.append(BackgroundThread.currentThreadIsIdlePriority) } }
        let inventory = FileInventory(
            path: path, store: store, logger: Logger(label: "test"), pollInterval: .milliseconds(20), executor: background)
        await inventory.reloadOnExecutor()
        #expect(publishedAtIdle.withLock { $0 } == [true])  // SIGHUP's
        let polling = Task { try await inventory.run() }
        // The poller's first look at the file is its baseline, and on a busy machine it can come after a rewrite:
        // the file is rewritten (a new id each time) every half second until a poller's load has published it.
        var polls = 0
        try await waitUntil {
            if store.current.instances.map(\.id) != ["i-1"] { return true }
            if polls % 50 == 0 {
                let json = #"{"instances":[{"id":"i-\#(2 + polls / 50)","name":"bb","region":"r"}]}"#
                try? Data(json.utf8).write(to: URL(fileURLWithPath: path))
            }
            polls += 1
            return false
        }
        polling.cancel()
        _ = try? await polling.value
        let published = publishedAtIdle.withLock { $0 }
        #expect(published.count >= 2 && published.allSatisfy { $0 })  // SIGHUP's, then the poller's
        #expect(!BackgroundThread.currentThreadIsIdlePriority)
        try await background.shutdown()
    }

    @Test("a decoded inventory's array is about its own size, not the doubling growth's")
    func exactArray() throws {
        let json = "{\"instances\":[" + (1...1_100).map { #"{"id":"i-\#($0)"}"# }.joined(separator: ",") + "]}"
        let instances = try Snapshot.decode(Data(json.utf8)).instances
        #expect(instances.count == 1_100)
        #expect(instances.capacity <= 1_100 + 1_100 / 16)  // grown by doubling, 2,048 slots (or more)
    }

    @Test("a file that turns bad keeps the previous inventory")
    func badReload() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-inv-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"instances":[{"id":"i-1","name":"a","region":"r"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        let store = SnapshotStore()
        let inventory = FileInventory(path: path, store: store, logger: Logger(label: "test"))
        try inventory.load()
        #expect(store.current.instances.map(\.id) == ["i-1"])
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        inventory.reload()
        #expect(store.current.instances.map(\.id) == ["i-1"])
        #expect(throws: InventoryFileError.self) { try inventory.read() }
    }

    @Test("a missing file names the path")
    func missing() {
        let inventory = FileInventory(path: "/nonexistent/inv.json", store: SnapshotStore(), logger: Logger(label: "test"))
        do {
            try inventory.load()
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.contains("/nonexistent/inv.json"))
        }
    }
}
