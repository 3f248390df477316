import EC2Zone
import Foundation
import Inventory

/// The inventory as the control endpoint serves it (`GET /v1/instances`) and `fedns instances --json` prints it:
/// the snapshot's instances and per-scope statuses, plus the naming problems the zone found.
public struct InventoryDocument: Codable, Sendable {
    public var serial: UInt32
    public var generatedAt: Date
    /// False when no inventory has been loaded yet (the lists are then empty).
    public var loaded: Bool
    public var instances: [Instance]
    public var sources: [SourceStatus]
    public var problems: [NamingProblem]

    public init(snapshot: Snapshot, loaded: Bool, problems: [NamingProblem]) {
        serial = snapshot.serial
        generatedAt = snapshot.generatedAt
        self.loaded = loaded
        instances = snapshot.instances
        sources = snapshot.sources
        self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case serial
        case generatedAt = "generated"
        case loaded, instances, sources, problems
    }

    public var snapshot: Snapshot {
        Snapshot(serial: serial, generatedAt: generatedAt, instances: instances, sources: sources)
    }

    public func encoded() throws -> Data {
        try JSONEncoder.snapshot.encode(self)
    }

    public static func decode(_ data: Data) throws -> InventoryDocument {
        try JSONDecoder.snapshot.decode(InventoryDocument.self, from: data)
    }
}
