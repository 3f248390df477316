import EC2Zone
import Inventory
import TestSupport
import Testing

@testable import ServerAssembly

/// What the zone publisher logs about naming problems: each new one, up to a bound, and a count of the rest.
@Suite("Zone publisher: naming problems in the log")
struct ZonePublisherTests {
    /// `count` instances whose `Name` tags need rewriting (`Web_1` is served as `web-1`): one problem each.
    static func rewritten(_ count: Int, from first: Int = 0) -> [Instance] {
        (first..<(first + count)).map { number in
            Instance(
                id: "i-\(String(number, radix: 16).leftPadded(to: 17))", name: "Web_\(number)", region: "eu-west-1",
                privateIPv4: ["10.0.\(number / 250).\(number % 250 + 1)"])
        }
    }

    static func lines(_ logs: CapturedLogs, _ message: String) -> [String] {
        logs.all.filter { $0.contains("warning \(message) ") }
    }

    @Test("a change logs its new problems one line each up to the bound, and counts the rest in one line")
    func boundedAndIncremental() {
        let logs = CapturedLogs()
        let limit = ZonePublisher.problemLinesPerChange
        let store = SnapshotStore()
        let publisher = ZonePublisher(settings: ZoneOptions(), store: store, logger: logs.logger)
        _ = store.publish(Snapshot(instances: Self.rewritten(limit + 10)))

        #expect(Self.lines(logs, "naming problem").count == limit)
        let summary = Self.lines(logs, "more naming problems")
        #expect(summary.count == 1)
        #expect(summary.first?.contains(#""not_logged": 10"#) == true, "\(summary)")
        #expect(summary.first?.contains("name-rewritten=10") == true, "\(summary)")
        #expect(summary.first?.contains(#""total": \#(limit + 10)"#) == true, "\(summary)")

        // One instance more: its problem alone is logged; the standing ones are not repeated.
        _ = store.publish(Snapshot(instances: Self.rewritten(limit + 11)))
        let after = Self.lines(logs, "naming problem")
        #expect(after.count == limit + 1)
        #expect(after.last?.contains("web-\(limit + 10)") == true, "\(after.last ?? "")")
        #expect(Self.lines(logs, "more naming problems").count == 1)

        // The same problems again (another instance, without one): nothing new to say.
        var unchanged = Self.rewritten(limit + 11)
        unchanged.append(Instance(id: "i-0aaaaaaaaaaaaaaaa", name: "plain", region: "eu-west-1", privateIPv4: ["10.9.9.9"]))
        let last = store.publish(Snapshot(instances: unchanged))
        #expect(Self.lines(logs, "naming problem").count == limit + 1)
        #expect(publisher.handler.zone.serial == last.serial, "the last snapshot was compiled")
    }

    @Test("problems of a snapshot loaded before the publisher starts are logged at start")
    func loadedBeforeStart() {
        let logs = CapturedLogs()
        let store = SnapshotStore(initial: Snapshot(instances: Self.rewritten(3)), loaded: true)
        _ = ZonePublisher(settings: ZoneOptions(), store: store, logger: logs.logger)
        #expect(Self.lines(logs, "naming problem").count == 3)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
