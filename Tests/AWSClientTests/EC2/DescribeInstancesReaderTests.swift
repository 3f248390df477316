import FednsSupport
import TestSupport
import Testing

@testable import AWSClient

/// DescribeInstances XML to EC2's own values: what EC2 said, nothing interpreted (no names, no address order).
@Suite("DescribeInstances XML to EC2 values")
struct DescribeInstancesReaderTests {
    private func page(_ text: String) throws -> DescribeInstancesPage {
        try DescribeInstancesReader.page(XMLDocument.parse(Array(text.utf8)))
    }

    @Test("reservations keep their id and owner; instances keep document order; the nextToken")
    func reservations() throws {
        let text = "<DescribeInstancesResponse><reservationSet>"
            + "<item><reservationId>r-1</reservationId><ownerId>111</ownerId><instancesSet>"
            + "<item><instanceId>i-a</instanceId></item><item><instanceId>i-b</instanceId></item></instancesSet></item>"
            + "<item><reservationId>r-2</reservationId><ownerId>222</ownerId><instancesSet/></item>"
            + "</reservationSet><nextToken>t+/=</nextToken></DescribeInstancesResponse>"
        let result = try page(text)
        #expect(result.reservations.map(\.reservationId) == ["r-1", "r-2"])
        #expect(result.reservations.map(\.ownerId) == ["111", "222"])
        #expect(result.instances.map(\.instanceId) == ["i-a", "i-b"])
        #expect(result.reservations[1].instances.isEmpty)
        #expect(result.nextToken == "t+/=")
    }

    @Test("every field as EC2 spells it, interfaces and address sets in document order with their primary flags")
    func fields() throws {
        let text = "<r><reservationSet><item><instancesSet><item>"
            + "<instanceId>i-1</instanceId><instanceState><code>80</code><name>stopped</name></instanceState>"
            + "<instanceType>m7g.large</instanceType><placement><availabilityZone>eu-west-1b</availabilityZone></placement>"
            + "<privateIpAddress>10.0.0.1</privateIpAddress><ipAddress>203.0.113.1</ipAddress>"
            + "<ipv6Address>2001:db8::1</ipv6Address><privateDnsName>ip-10-0-0-1</privateDnsName><dnsName/>"
            + "<launchTime>2026-03-14T09:26:53.000Z</launchTime>"
            + "<tagSet><item><key>Name</key><value>a &amp; b</value></item><item><key>empty</key><value/></item></tagSet>"
            + "<networkInterfaceSet>"
            + "<item><attachment><deviceIndex>1</deviceIndex></attachment><privateIpAddress>10.0.2.2</privateIpAddress></item>"
            + "<item><attachment><deviceIndex>0</deviceIndex></attachment><privateIpAddress>10.0.0.1</privateIpAddress>"
            + "<privateIpAddressesSet><item><privateIpAddress>10.0.0.9</privateIpAddress><primary>false</primary></item>"
            + "<item><privateIpAddress>10.0.0.1</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>"
            + "<ipv6AddressesSet><item><ipv6Address>2001:db8::1</ipv6Address><isPrimaryIpv6>true</isPrimaryIpv6></item>"
            + "</ipv6AddressesSet></item></networkInterfaceSet>"
            + "</item></instancesSet></item></reservationSet></r>"
        let instance = try #require(try page(text).instances.first)
        #expect(
            instance
                == EC2Instance(
                    instanceId: "i-1", tags: ["Name": "a & b", "empty": ""], stateName: "stopped",
                    instanceType: "m7g.large", availabilityZone: "eu-west-1b", privateIpAddress: "10.0.0.1",
                    ipAddress: "203.0.113.1", ipv6Address: "2001:db8::1", privateDnsName: "ip-10-0-0-1", dnsName: nil,
                    launchTime: ISO8601.parse("2026-03-14T09:26:53Z"),
                    networkInterfaces: [
                        EC2NetworkInterface(deviceIndex: 1, privateIpAddress: "10.0.2.2"),
                        EC2NetworkInterface(
                            deviceIndex: 0, privateIpAddress: "10.0.0.1",
                            privateIpAddresses: [
                                EC2InterfaceAddress("10.0.0.9", primary: false),
                                EC2InterfaceAddress("10.0.0.1", primary: true),
                            ],
                            ipv6Addresses: [EC2InterfaceAddress("2001:db8::1", primary: true)]),
                    ]))
    }

    @Test("an instance item without an instanceId names its reservation in the error")
    func missingID() throws {
        let text = "<r><reservationSet><item><reservationId>r-9</reservationId><instancesSet>"
            + "<item><instanceType>t3.micro</instanceType></item></instancesSet></item></reservationSet></r>"
        let error = #expect(throws: DescribeInstancesReader.MissingInstanceID.self) { try page(text) }
        #expect(error?.reservationID == "r-9")
    }

    @Test("the real-shaped fixture: whitespace-only and empty elements are absent")
    func realShaped() throws {
        let result = try DescribeInstancesReader.page(
            XMLDocument.parse(try SharedFixtures.bytes("ec2/describe-instances-real-shaped.xml")))
        #expect(result.instances.map(\.instanceId) == ["i-0aaaaaaaaaaaaaaa1", "i-0ccccccccccccccc3", "i-0ddddddddddddddd4"])
        let stopped = result.instances[1]
        #expect(stopped.ipAddress == nil)
        #expect(stopped.dnsName == nil)
        #expect(result.reservations.first?.ownerId == "111122223333")
    }
}

extension [EC2Reservation] {
    /// The instance ids of every reservation, in order (what most client tests check).
    var instanceIDs: [String] { flatMap(\.instances).map(\.instanceId) }
}
