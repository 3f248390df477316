import AWSClient
import Inventory

/// EC2's values to fedns's instance model: which tag names an instance, which addresses are its own and in what
/// order (the zone answers the first ones first), where it lives.
public enum EC2InstanceMapping {
    /// The instances of `reservations`, read in `region`, in EC2's order.
    public static func instances(_ reservations: [EC2Reservation], region: String) -> [Instance] {
        reservations.flatMap { reservation in
            reservation.instances.map { instance($0, region: region, account: reservation.ownerId) }
        }
    }

    /// One instance. Addresses: the top-level primary first, then the interfaces by device index (the primary
    /// interface, device 0, first), each with its primary addresses before the others; every address once.
    public static func instance(_ ec2: EC2Instance, region: String, account: String?) -> Instance {
        // The sort is stable: interfaces without a device index keep their document order, last.
        let interfaces = ec2.networkInterfaces.sorted { ($0.deviceIndex ?? Int.max) < ($1.deviceIndex ?? Int.max) }
        var privateIPv4 = OrderedUnique()
        privateIPv4.append(ec2.privateIpAddress)
        var ipv6 = OrderedUnique()
        ipv6.append(ec2.ipv6Address)
        for interface in interfaces {
            privateIPv4.append(interface.privateIpAddress)
            primaryFirst(interface.privateIpAddresses).forEach { privateIPv4.append($0) }
            primaryFirst(interface.ipv6Addresses).forEach { ipv6.append($0) }
        }
        let name = ec2.tags["Name"].flatMap { $0.isEmpty ? nil : $0 }
        return Instance(
            id: ec2.instanceId, name: name, tags: Tags(ec2.tags), state: ec2.stateName ?? "unknown", type: ec2.instanceType,
            availabilityZone: ec2.availabilityZone, region: region, account: account, privateIPv4: privateIPv4.values,
            publicIPv4: ec2.ipAddress, ipv6: ipv6.values, privateDNSName: ec2.privateDnsName,
            publicDNSName: ec2.dnsName, launchTime: ec2.launchTime, vpc: ec2.vpcId)
    }

    /// The addresses of an address set, those flagged primary first, otherwise in document order.
    private static func primaryFirst(_ addresses: [EC2InterfaceAddress]) -> [String] {
        addresses.filter(\.primary).map(\.address) + addresses.filter { !$0.primary }.map(\.address)
    }

    /// Addresses in first-seen order without repeats (the primary private IP appears at the top level, on the
    /// interface and in its address set).
    private struct OrderedUnique {
        private(set) var values: [String] = []
        private var seen: Set<String> = []

        mutating func append(_ value: String?) {
            guard let value, seen.insert(value).inserted else { return }
            values.append(value)
        }
    }
}
