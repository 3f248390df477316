import EC2Zone
import FednsSupport
import Foundation
import Inventory

/// The inventory as the control endpoint serves it (`GET /v1/instances`) and `fedns instances --json` prints it:
/// the snapshot's instances and per-scope statuses, plus the naming problems the zone found.
public struct InventoryDocument: Encodable, Sendable {
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

    /// Reads the document (the control endpoint's answer) with `JSONReader`: a command that must start ssh fast
    /// reads it on its way.
    public static func decode(_ data: Data) throws(JSONReadError) -> InventoryDocument {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(JSONReadError) in
                try JSONReader.read(bytes) { reader throws(JSONReadError) in try InventoryDocument(json: &reader) }
            }
        }
        return try result.get()
    }

    init(json reader: inout JSONReader) throws(JSONReadError) {
        var snapshot = Snapshot(serial: 0, generatedAt: Date(timeIntervalSince1970: 0), instances: [])
        var loaded = false
        var problems: [NamingProblem] = []
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "serial" {
                snapshot.serial = UInt32(try reader.readInteger(in: 0...Int(UInt32.max)))
            } else if key == "generated" {
                snapshot.generatedAt = try reader.readDate()
            } else if key == "loaded" {
                loaded = try reader.readBool()
            } else if key == "instances" {
                snapshot.instances = try Instance.readArray(&reader)
            } else if key == "sources" {
                try reader.readArray { reader, _ throws(JSONReadError) in
                    snapshot.sources.append(try SourceStatus(json: &reader))
                }
            } else if key == "problems" {
                try reader.readArray { reader, _ throws(JSONReadError) in problems.append(try NamingProblem(json: &reader)) }
            } else {
                try reader.skipValue()
            }
        }
        self.init(snapshot: snapshot, loaded: loaded, problems: problems)
    }
}

extension NamingProblem {
    init(json reader: inout JSONReader) throws(JSONReadError) {
        var kind: Kind?
        var name = ""
        var instanceIDs: [String] = []
        var detail = ""
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "kind" {
                let text = try reader.readString()
                guard let known = Kind(rawValue: text) else { throw reader.error("unknown problem kind \"\(text)\"") }
                kind = known
            } else if key == "name" {
                name = try reader.readString()
            } else if key == "instances" {
                instanceIDs = try reader.readStringArray()
            } else if key == "detail" {
                detail = try reader.readString()
            } else {
                try reader.skipValue()
            }
        }
        guard let kind else { throw reader.missingKey("kind") }
        self.init(kind: kind, name: name, instanceIDs: instanceIDs, detail: detail)
    }
}
