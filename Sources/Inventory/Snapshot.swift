import FednsSupport
import Foundation

/// An immutable view of every known instance at one moment. Readers hold a snapshot for as long as they like;
/// a refresh builds a new one and swaps it in whole.
///
/// The JSON form is both the persisted cache and the `source = "file"` inventory format.
public struct Snapshot: Encodable, Hashable, Sendable {
    public static let currentFormat = 1

    public var format: Int
    /// Rises whenever the set of instances changes; the DNS zone uses it as its SOA serial.
    public var serial: UInt32
    public var generatedAt: Date
    public var instances: [Instance]
    /// Per account and region: when it last loaded and why it last failed.
    public var sources: [SourceStatus]

    public init(
        serial: UInt32 = 1, generatedAt: Date = Date(), instances: [Instance], sources: [SourceStatus] = []
    ) {
        self.format = Self.currentFormat
        self.serial = serial
        self.generatedAt = generatedAt
        self.instances = instances
        self.sources = sources
    }

    public static let empty = Snapshot(serial: 0, generatedAt: Date(timeIntervalSince1970: 0), instances: [])

    enum CodingKeys: String, CodingKey {
        case format, serial
        case generatedAt = "generated"
        case instances, sources
    }

    /// True when both hold the same instances, whatever their order, serial or timestamps.
    public func hasSameInstances(as other: Snapshot) -> Bool {
        guard instances.count == other.instances.count else { return false }
        // Refreshes list instances in a stable order, so the cheap comparison usually decides.
        if instances == other.instances { return true }
        return instances.sorted { $0.id < $1.id } == other.instances.sorted { $0.id < $1.id }
    }

    /// The serial for a snapshot that follows `previous`: one more than before, or the Unix time when that is
    /// larger, so a restarted server that lost its cache still moves forward (the scheme Consul uses).
    public static func nextSerial(after previous: UInt32, now: Date = Date()) -> UInt32 {
        let clock = UInt32(clamping: Int64(now.timeIntervalSince1970))
        return max(previous &+ 1, clock)
    }
}

/// How one discovery source (an account/profile in one region) fared.
public struct SourceStatus: Encodable, Hashable, Sendable {
    public var region: String
    /// The credentials profile, or nil for the default chain.
    public var profile: String?
    public var account: String?
    public var lastSuccess: Date?
    public var lastAttempt: Date?
    public var lastError: String?
    public var instanceCount: Int

    public init(
        region: String, profile: String? = nil, account: String? = nil, lastSuccess: Date? = nil,
        lastAttempt: Date? = nil, lastError: String? = nil, instanceCount: Int = 0
    ) {
        self.region = region
        self.profile = profile
        self.account = account
        self.lastSuccess = lastSuccess
        self.lastAttempt = lastAttempt
        self.lastError = lastError
        self.instanceCount = instanceCount
    }

    enum CodingKeys: String, CodingKey {
        case region, profile, account
        case lastSuccess = "last_success"
        case lastAttempt = "last_attempt"
        case lastError = "last_error"
        case instanceCount = "instances"
    }
}

extension Snapshot {
    /// Decodes the JSON form, with an error that says where the document is wrong.
    public static func decode(_ data: Data) throws(SnapshotFormatError) -> Snapshot {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(JSONReadError) in
                try JSONReader.read(bytes) { reader throws(JSONReadError) in try Snapshot(json: &reader) }
            }
        }
        do throws(JSONReadError) {
            return try result.get()
        } catch {
            throw SnapshotFormatError(reason: error.description)
        }
    }

    /// The JSON form: stable key order and ISO 8601 dates, so files diff well.
    public func encoded() throws -> Data {
        try JSONEncoder.snapshot.encode(self)
    }
}

/// A snapshot document that cannot be read.
public struct SnapshotFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension JSONEncoder {
    /// Stable key order and whole-second ISO 8601 dates, so files and answers diff well.
    public static var snapshot: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        return encoder
    }
}
