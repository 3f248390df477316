import FednsSupport
import Foundation

/// Reading the JSON form of snapshots (the persisted cache and the `source = "file"` inventory) and of the
/// control endpoint's document, with `JSONReader`: straight from the bytes into these values, in one pass.
/// Writing stays with `JSONEncoder` (`Snapshot.encoded()`), which is not on any path that waits.
///
/// Defaults are those a hand-written inventory needs: every field but an instance's `id` may be left out.
extension Snapshot {
    public init(json reader: inout JSONReader) throws(JSONReadError) {
        var format = Self.currentFormat
        var serial: UInt32 = 1
        var generatedAt = Date(timeIntervalSince1970: 0)
        var instances: [Instance]?
        var sources: [SourceStatus] = []
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "format" {
                format = try reader.readInteger()
                guard format == Self.currentFormat else {
                    throw reader.error("snapshot format \(format) is not supported (expected \(Self.currentFormat))")
                }
            } else if key == "serial" {
                serial = UInt32(try reader.readInteger(in: 0...Int(UInt32.max)))
            } else if key == "generated" {
                generatedAt = try reader.readDate()
            } else if key == "instances" {
                instances = try Instance.readArray(&reader)
            } else if key == "sources" {
                sources = []
                try reader.readArray { reader, _ throws(JSONReadError) in sources.append(try SourceStatus(json: &reader)) }
            } else {
                try reader.skipValue()
            }
        }
        guard let instances else { throw reader.missingKey("instances") }
        self.init(serial: serial, generatedAt: generatedAt, instances: instances, sources: sources)
        self.format = format
    }
}

extension Instance {
    /// An array of instances.
    public static func readArray(_ reader: inout JSONReader) throws(JSONReadError) -> [Instance] {
        // Large inventories are read on two threads (`JSONReader.readLargeArray`): at 100,000 instances, reading
        // is about a third of the time from start to the first answer.
        var instances = try reader.readLargeArray { reader throws(JSONReadError) in try Instance(json: &reader) }
        // Grown by doubling, the array can hold up to twice what it needs for as long as the snapshot lives (at
        // 100,000 instances, 31,000 spare slots of about 240 bytes).
        instances.shrinkToFit()
        return instances
    }

    public init(json reader: inout JSONReader) throws(JSONReadError) {
        var id: String?
        var name: String?
        var tags = Tags()
        var state: String?
        var type: String?
        var availabilityZone: String?
        var region: String?
        var account: String?
        var profile: String?
        var privateIPv4: [String] = []
        var publicIPv4: String?
        var ipv6: [String] = []
        var privateDNSName: String?
        var publicDNSName: String?
        var launchTime: Date?
        var vpc: String?
        var hostKeys: [HostKey] = []
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "id" {
                id = try reader.readString()
                if id?.isEmpty == true { throw reader.error("empty instance id") }
            } else if key == "name" {
                name = try reader.readOptionalString()
            } else if key == "tags" {
                tags = reader.readNull() ? Tags() : Tags(try reader.readStringPairs(interned: true))
            } else if key == "state" {
                state = try reader.readOptionalString(interned: true)
            } else if key == "type" {
                type = try reader.readOptionalString(interned: true)
            } else if key == "az" {
                availabilityZone = try reader.readOptionalString(interned: true)
            } else if key == "region" {
                region = try reader.readOptionalString(interned: true)
            } else if key == "account" {
                account = try reader.readOptionalString(interned: true)
            } else if key == "profile" {
                profile = try reader.readOptionalString(interned: true)
            } else if key == "private_ipv4" {
                privateIPv4 = reader.readNull() ? [] : try reader.readStringArray()
            } else if key == "public_ipv4" {
                publicIPv4 = try reader.readOptionalString()
            } else if key == "ipv6" {
                ipv6 = reader.readNull() ? [] : try reader.readStringArray()
            } else if key == "private_dns" {
                privateDNSName = try reader.readOptionalString()
            } else if key == "public_dns" {
                publicDNSName = try reader.readOptionalString()
            } else if key == "launched" {
                launchTime = reader.readNull() ? nil : try reader.readDate()
            } else if key == "vpc" {
                vpc = try reader.readOptionalString(interned: true)
            } else if key == "host_keys" {
                if !reader.readNull() {
                    try reader.readArray { reader, _ throws(JSONReadError) in hostKeys.append(try HostKey(json: &reader)) }
                }
            } else {
                try reader.skipValue()
            }
        }
        guard let id else { throw reader.missingKey("id") }
        // The name is usually the Name tag: one copy of the text, not two.
        if let tag = tags["Name"], name == nil || name == tag { name = tag }
        self.init(
            id: id, name: name, tags: tags, state: state ?? "running", type: type,
            availabilityZone: availabilityZone,
            region: region ?? availabilityZone.map { String($0.dropLast()) } ?? "unknown", account: account,
            profile: profile, privateIPv4: privateIPv4, publicIPv4: publicIPv4, ipv6: ipv6,
            privateDNSName: privateDNSName, publicDNSName: publicDNSName, launchTime: launchTime, vpc: vpc,
            hostKeys: hostKeys)
    }
}

extension HostKey {
    public init(json reader: inout JSONReader) throws(JSONReadError) {
        var type: String?
        var base64: String?
        var sha256Hex: String?
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "type" {
                type = try reader.readString()
            } else if key == "key" {
                base64 = try reader.readString()
            } else if key == "sha256" {
                sha256Hex = try reader.readOptionalString()
            } else {
                try reader.skipValue()
            }
        }
        guard let type else { throw reader.missingKey("type") }
        guard let base64 else { throw reader.missingKey("key") }
        guard let key = HostKey(type: type, base64: base64, sha256Hex: sha256Hex) else {
            throw reader.error("not a base64 SSH public key of type \(type)")
        }
        self = key
    }
}

extension SourceStatus {
    public init(json reader: inout JSONReader) throws(JSONReadError) {
        var region: String?
        var status = SourceStatus(region: "")
        try reader.readObject { reader, key throws(JSONReadError) in
            if key == "region" {
                region = try reader.readString()
            } else if key == "profile" {
                status.profile = try reader.readOptionalString()
            } else if key == "account" {
                status.account = try reader.readOptionalString()
            } else if key == "last_success" {
                status.lastSuccess = reader.readNull() ? nil : try reader.readDate()
            } else if key == "last_attempt" {
                status.lastAttempt = reader.readNull() ? nil : try reader.readDate()
            } else if key == "last_error" {
                status.lastError = try reader.readOptionalString()
            } else if key == "instances" {
                status.instanceCount = try reader.readInteger(in: 0...Int.max)
            } else {
                try reader.skipValue()
            }
        }
        guard let region else { throw reader.missingKey("region") }
        status.region = region
        self = status
    }
}

extension JSONReader {
    /// An ISO 8601 date-time, as the snapshot and the control endpoint write them (with or without fractions).
    public mutating func readDate() throws(JSONReadError) -> Date {
        let text = try readString()
        guard let date = ISO8601.parse(text) else { throw error("\"\(text)\" is not an ISO 8601 date-time") }
        return date
    }
}
