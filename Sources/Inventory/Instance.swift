import Foundation

/// One EC2 instance as discovery saw it. Every field but the id may be missing: AWS (and moto) omit elements
/// rather than sending them empty, and files written by hand may be terse.
///
/// Addresses stay text here; the DNS zone parses them and reports the ones it cannot use.
public struct Instance: Encodable, Hashable, Sendable {
    public var id: String
    /// The `Name` tag exactly as tagged (not yet normalised to a DNS label).
    public var name: String?
    public var tags: Tags
    public var state: String
    public var type: String?
    public var availabilityZone: String?
    public var region: String
    /// The owning account id, when known.
    public var account: String?
    /// The credentials profile the instance was discovered through, when not the default chain.
    public var profile: String?
    /// Private IPv4 addresses, the primary one first.
    public var privateIPv4: [String]
    public var publicIPv4: String?
    public var ipv6: [String]
    public var privateDNSName: String?
    public var publicDNSName: String?
    public var launchTime: Date?
    /// The VPC the instance is in, when known (for `[companion] jump` per VPC).
    public var vpc: String?
    /// Its SSH host keys, once read from the console (`GetConsoleOutput`); empty while unknown.
    public var hostKeys: [HostKey]

    public init(
        id: String, name: String? = nil, tags: Tags = [:], state: String = "running",
        type: String? = nil, availabilityZone: String? = nil, region: String, account: String? = nil,
        profile: String? = nil, privateIPv4: [String] = [], publicIPv4: String? = nil, ipv6: [String] = [],
        privateDNSName: String? = nil, publicDNSName: String? = nil, launchTime: Date? = nil, vpc: String? = nil,
        hostKeys: [HostKey] = []
    ) {
        self.id = id
        self.name = name
        self.tags = tags
        self.state = state
        self.type = type
        self.availabilityZone = availabilityZone
        self.region = region
        self.account = account
        self.profile = profile
        self.privateIPv4 = privateIPv4
        self.publicIPv4 = publicIPv4
        self.ipv6 = ipv6
        self.privateDNSName = privateDNSName
        self.publicDNSName = publicDNSName
        self.launchTime = launchTime
        self.vpc = vpc
        self.hostKeys = hostKeys
    }

    /// The primary private IPv4 address.
    public var primaryPrivateIPv4: String? { privateIPv4.first }

    enum CodingKeys: String, CodingKey {
        case id, name, tags, state, type
        case availabilityZone = "az"
        case region, account, profile
        case privateIPv4 = "private_ipv4"
        case publicIPv4 = "public_ipv4"
        case ipv6
        case privateDNSName = "private_dns"
        case publicDNSName = "public_dns"
        case launchTime = "launched"
        case vpc
        case hostKeys = "host_keys"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(tags, forKey: .tags)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(type, forKey: .type)
        try container.encodeIfPresent(availabilityZone, forKey: .availabilityZone)
        try container.encode(region, forKey: .region)
        try container.encodeIfPresent(account, forKey: .account)
        try container.encodeIfPresent(profile, forKey: .profile)
        try container.encode(privateIPv4, forKey: .privateIPv4)
        try container.encodeIfPresent(publicIPv4, forKey: .publicIPv4)
        try container.encode(ipv6, forKey: .ipv6)
        try container.encodeIfPresent(privateDNSName, forKey: .privateDNSName)
        try container.encodeIfPresent(publicDNSName, forKey: .publicDNSName)
        try container.encodeIfPresent(launchTime, forKey: .launchTime)
        try container.encodeIfPresent(vpc, forKey: .vpc)
        if !hostKeys.isEmpty { try container.encode(hostKeys, forKey: .hostKeys) }
    }
}

extension [Instance] {
    /// Gives every instance that did not change the value `previous` holds (matched by id), so that a refresh where
    /// a few of 100,000 instances changed keeps one copy of the others' strings, not two, and frees its own copies
    /// whole. Freed memory mixed into pages still in use cannot be handed back to the kernel: alternating
    /// generations cost about 25 MB at 100,000 instances.
    public mutating func reuseUnchanged(from previous: [Instance]) {
        guard !previous.isEmpty, !isEmpty else { return }
        // Through buffer pointers, whose elements are borrowed, not copied (a copy retains every string).
        previous.withUnsafeBufferPointer { old in
            withUnsafeMutableBufferPointer { new in
                // Refreshes list instances in a stable order: most are where they were, and need no index.
                var moved: [Int] = []
                for index in new.indices {
                    guard index < old.count, old[index].id == new[index].id else {
                        moved.append(index)
                        continue
                    }
                    if old[index] == new[index] { new[index] = old[index] }
                }
                guard !moved.isEmpty else { return }
                var byID: [String: Int] = [:]
                byID.reserveCapacity(old.count)
                for index in old.indices { byID[old[index].id] = index }
                for index in moved {
                    if let match = byID[new[index].id], old[match] == new[index] { new[index] = old[match] }
                }
            }
        }
    }
}
