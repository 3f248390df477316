import Foundation

/// DescribeInstances' values, named and shaped as the EC2 API spells them: reservations holding instances, tags,
/// addresses per network interface. What an instance *means* to fedns (its name, which addresses a name answers) is
/// AWSDiscovery's business; this module only reads what EC2 said.
///
/// Every field but the instance id may be missing: moto leaves out elements it has no value for (no `ipAddress`
/// without a public IP), real EC2 sends some of them empty (`<dnsName/>`); both count as absent here.

/// One `reservationSet/item`: the instances launched together, and the account that owns them.
public struct EC2Reservation: Sendable, Hashable {
    public var reservationId: String?
    public var ownerId: String?
    public var instances: [EC2Instance]

    public init(reservationId: String? = nil, ownerId: String? = nil, instances: [EC2Instance]) {
        self.reservationId = reservationId
        self.ownerId = ownerId
        self.instances = instances
    }
}

/// One `instancesSet/item`.
public struct EC2Instance: Sendable, Hashable {
    public var instanceId: String
    /// `tagSet`, key to value (EC2 keys are unique per resource; a tag without a value has "").
    public var tags: [String: String]
    /// `instanceState/name`: `pending`, `running`, `shutting-down`, `terminated`, `stopping`, `stopped`.
    public var stateName: String?
    public var instanceType: String?
    /// `placement/availabilityZone`.
    public var availabilityZone: String?
    /// The primary private IPv4 address of the primary interface.
    public var privateIpAddress: String?
    /// The public IPv4 address.
    public var ipAddress: String?
    /// The primary IPv6 address, where EC2 reports one at the top level.
    public var ipv6Address: String?
    public var privateDnsName: String?
    /// The public DNS name.
    public var dnsName: String?
    public var launchTime: Date?
    /// The VPC the instance is in (absent for EC2-Classic).
    public var vpcId: String?
    /// `networkInterfaceSet`, in document order.
    public var networkInterfaces: [EC2NetworkInterface]

    public init(
        instanceId: String, tags: [String: String] = [:], stateName: String? = nil, instanceType: String? = nil,
        availabilityZone: String? = nil, privateIpAddress: String? = nil, ipAddress: String? = nil,
        ipv6Address: String? = nil, privateDnsName: String? = nil, dnsName: String? = nil, launchTime: Date? = nil,
        vpcId: String? = nil, networkInterfaces: [EC2NetworkInterface] = []
    ) {
        self.instanceId = instanceId
        self.tags = tags
        self.stateName = stateName
        self.instanceType = instanceType
        self.availabilityZone = availabilityZone
        self.privateIpAddress = privateIpAddress
        self.ipAddress = ipAddress
        self.ipv6Address = ipv6Address
        self.privateDnsName = privateDnsName
        self.dnsName = dnsName
        self.launchTime = launchTime
        self.vpcId = vpcId
        self.networkInterfaces = networkInterfaces
    }
}

/// One `networkInterfaceSet/item`.
public struct EC2NetworkInterface: Sendable, Hashable {
    /// `attachment/deviceIndex`: 0 is the primary interface.
    public var deviceIndex: Int?
    public var privateIpAddress: String?
    /// `privateIpAddressesSet`, in document order.
    public var privateIpAddresses: [EC2InterfaceAddress]
    /// `ipv6AddressesSet`, in document order; `primary` is EC2's `isPrimaryIpv6`.
    public var ipv6Addresses: [EC2InterfaceAddress]

    public init(
        deviceIndex: Int? = nil, privateIpAddress: String? = nil, privateIpAddresses: [EC2InterfaceAddress] = [],
        ipv6Addresses: [EC2InterfaceAddress] = []
    ) {
        self.deviceIndex = deviceIndex
        self.privateIpAddress = privateIpAddress
        self.privateIpAddresses = privateIpAddresses
        self.ipv6Addresses = ipv6Addresses
    }
}

/// An address of an interface's address set, with the set's primary flag.
public struct EC2InterfaceAddress: Sendable, Hashable {
    public var address: String
    public var primary: Bool

    public init(_ address: String, primary: Bool = false) {
        self.address = address
        self.primary = primary
    }
}

/// One page of DescribeInstances.
public struct DescribeInstancesPage: Sendable, Hashable {
    public var reservations: [EC2Reservation]
    /// Pass to the next call; nil on the last page.
    public var nextToken: String?

    public init(reservations: [EC2Reservation], nextToken: String? = nil) {
        self.reservations = reservations
        self.nextToken = nextToken
    }

    /// Every instance of the page, reservation by reservation.
    public var instances: [EC2Instance] { reservations.flatMap(\.instances) }
}
