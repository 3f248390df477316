import AWSClient
import AWSDiscovery
import Foundation
import Inventory
import Testing

/// EC2's values in, the instance fedns serves out: one row per rule of the mapping.
@Suite("EC2 values to Inventory.Instance")
struct EC2ValuesToInstanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var ec2: EC2Instance
        var check: @Sendable (Instance) -> Bool
        var testDescription: String { label }
    }

    static let launched = Date(timeIntervalSince1970: 1_700_000_000)

    static let cases: [Case] = [
        Case(label: "the Name tag names the instance; all tags are kept", ec2: EC2Instance(
            instanceId: "i-1", tags: ["Name": "web-1", "env": "prod"]),
            check: { $0.name == "web-1" && $0.tags == ["Name": "web-1", "env": "prod"] }),
        Case(label: "an empty Name tag is no name", ec2: EC2Instance(instanceId: "i-1", tags: ["Name": ""]),
            check: { $0.name == nil && $0.tags == ["Name": ""] }),
        Case(label: "no state is 'unknown'", ec2: EC2Instance(instanceId: "i-1"), check: { $0.state == "unknown" }),
        Case(label: "fields EC2 reported pass through", ec2: EC2Instance(
            instanceId: "i-1", stateName: "stopped", instanceType: "t3.micro", availabilityZone: "eu-west-1b",
            ipAddress: "203.0.113.1", privateDnsName: "ip-10-0-0-1", dnsName: "ec2-203-0-113-1", launchTime: launched),
            check: {
                $0.state == "stopped" && $0.type == "t3.micro" && $0.availabilityZone == "eu-west-1b"
                    && $0.publicIPv4 == "203.0.113.1" && $0.privateDNSName == "ip-10-0-0-1"
                    && $0.publicDNSName == "ec2-203-0-113-1" && $0.launchTime == launched
            }),
        Case(label: "the top-level private address leads and appears once", ec2: EC2Instance(
            instanceId: "i-1", privateIpAddress: "10.0.0.1",
            networkInterfaces: [EC2NetworkInterface(
                deviceIndex: 0, privateIpAddress: "10.0.0.1",
                privateIpAddresses: [EC2InterfaceAddress("10.0.0.1", primary: true), EC2InterfaceAddress("10.0.0.2")])]),
            check: { $0.privateIPv4 == ["10.0.0.1", "10.0.0.2"] }),
        Case(label: "interfaces by device index, whatever the document order; no index last", ec2: EC2Instance(
            instanceId: "i-1",
            networkInterfaces: [
                EC2NetworkInterface(privateIpAddress: "10.0.9.9"),
                EC2NetworkInterface(deviceIndex: 1, privateIpAddress: "10.0.1.1"),
                EC2NetworkInterface(deviceIndex: 0, privateIpAddress: "10.0.0.1"),
            ]),
            check: { $0.privateIPv4 == ["10.0.0.1", "10.0.1.1", "10.0.9.9"] }),
        Case(label: "an address set's primary addresses come before the others", ec2: EC2Instance(
            instanceId: "i-1",
            networkInterfaces: [EC2NetworkInterface(
                deviceIndex: 0,
                ipv6Addresses: [EC2InterfaceAddress("2001:db8::2"), EC2InterfaceAddress("2001:db8::1", primary: true)])]),
            check: { $0.ipv6 == ["2001:db8::1", "2001:db8::2"] }),
        Case(label: "the top-level IPv6 address leads the interface's", ec2: EC2Instance(
            instanceId: "i-1", ipv6Address: "2001:db8::9",
            networkInterfaces: [EC2NetworkInterface(
                deviceIndex: 0, ipv6Addresses: [EC2InterfaceAddress("2001:db8::1"), EC2InterfaceAddress("2001:db8::9")])]),
            check: { $0.ipv6 == ["2001:db8::9", "2001:db8::1"] }),
        Case(label: "no addresses at all", ec2: EC2Instance(instanceId: "i-1"),
            check: { $0.privateIPv4.isEmpty && $0.ipv6.isEmpty && $0.publicIPv4 == nil }),
    ]

    @Test("one instance", arguments: cases)
    func mapping(_ row: Case) {
        let instance = EC2InstanceMapping.instance(row.ec2, region: "eu-west-1", account: "111122223333")
        #expect(row.check(instance), "\(instance)")
        #expect(instance.id == row.ec2.instanceId)
        #expect(instance.region == "eu-west-1")
        #expect(instance.account == "111122223333")
        #expect(instance.profile == nil)
    }

    @Test("reservations: every instance in order, each with its reservation's owner and the region asked")
    func reservations() {
        let reservations = [
            EC2Reservation(reservationId: "r-1", ownerId: "111", instances: [EC2Instance(instanceId: "i-a"), EC2Instance(instanceId: "i-b")]),
            EC2Reservation(reservationId: "r-2", ownerId: "222", instances: [EC2Instance(instanceId: "i-c")]),
            EC2Reservation(reservationId: "r-3", ownerId: "333", instances: []),
        ]
        let instances = EC2InstanceMapping.instances(reservations, region: "ap-south-1")
        #expect(instances.map(\.id) == ["i-a", "i-b", "i-c"])
        #expect(instances.map(\.account) == ["111", "111", "222"])
        #expect(instances.allSatisfy { $0.region == "ap-south-1" })
    }
}
