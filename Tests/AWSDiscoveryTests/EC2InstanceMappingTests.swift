import AWSDiscovery
import FednsSupport
import Foundation
import Inventory
import TestSupport
import Testing

@testable import AWSClient

/// A page as discovery sees it: EC2's XML read by AWSClient, then mapped to instances here.
struct MappedPage {
    var instances: [Instance]
    var nextToken: String?

    init(_ document: XMLDocument, region: String) throws {
        let page = try DescribeInstancesReader.page(document)
        instances = EC2InstanceMapping.instances(page.reservations, region: region)
        nextToken = page.nextToken
    }
}

@Suite("DescribeInstances XML to Inventory.Instance, through AWSClient's reader and AWSDiscovery's mapping")
struct InstanceMappingTests {
    private func page(_ text: String, region: String = "us-east-1") throws -> MappedPage {
        try MappedPage(XMLDocument.parse(Array(text.utf8)), region: region)
    }

    /// A response as moto writes it: one line, no whitespace, elements left out rather than sent empty.
    private func motoResponse(_ instances: String, reservations: Int = 1, nextToken: String? = nil) -> String {
        let reservation =
            "<item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><groupSet/>"
            + "<instancesSet>\(instances)</instancesSet></item>"
        return #"<?xml version="1.0" encoding="utf-8"?>"#
            + #"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">"#
            + "<reservationSet>\(String(repeating: reservation, count: reservations))</reservationSet>"
            + (nextToken.map { "<nextToken>\($0)</nextToken>" } ?? "")
            + "<requestId>request-id</requestId></DescribeInstancesResponse>"
    }

    @Test("an instance with a public IP, tags and one interface")
    func publicInstance() throws {
        let item =
            "<item><architecture>x86_64</architecture><networkInterfaceSet><item><association><publicIp>54.214.1.2</publicIp>"
            + "</association><attachment><deviceIndex>0</deviceIndex></attachment><ipv6AddressesSet/>"
            + "<privateIpAddress>10.1.2.3</privateIpAddress><privateIpAddressesSet><item><primary>true</primary>"
            + "<privateIpAddress>10.1.2.3</privateIpAddress></item></privateIpAddressesSet></item></networkInterfaceSet>"
            + "<tagSet><item><key>Name</key><value>web-1</value></item><item><key>env</key><value>test</value></item>"
            + "</tagSet><instanceId>i-0123</instanceId><instanceState><code>16</code><name>running</name></instanceState>"
            + "<privateDnsName>ip-10-1-2-3.ec2.internal</privateDnsName>"
            + "<dnsName>ec2-54-214-1-2.compute-1.amazonaws.com</dnsName><instanceType>t3.micro</instanceType>"
            + "<launchTime>2026-11-21T09:39:37.000Z</launchTime><placement><groupName/><tenancy>default</tenancy>"
            + "<availabilityZone>us-east-1a</availabilityZone></placement><privateIpAddress>10.1.2.3</privateIpAddress>"
            + "<ipAddress>54.214.1.2</ipAddress></item>"
        let result = try page(motoResponse(item))
        #expect(result.nextToken == nil)
        #expect(
            result.instances == [
                Instance(
                    id: "i-0123", name: "web-1", tags: ["Name": "web-1", "env": "test"], state: "running",
                    type: "t3.micro", availabilityZone: "us-east-1a", region: "us-east-1", account: "123456789012",
                    privateIPv4: ["10.1.2.3"], publicIPv4: "54.214.1.2", ipv6: [],
                    privateDNSName: "ip-10-1-2-3.ec2.internal", publicDNSName: "ec2-54-214-1-2.compute-1.amazonaws.com",
                    launchTime: ISO8601.parse("2026-11-21T09:39:37Z"))
            ])
    }

    @Test("no public IP, IPv6 only on the interface, no tags: absent fields stay nil or empty")
    func privateIPv6Instance() throws {
        let item =
            "<item><networkInterfaceSet><item><association/><ipv6AddressesSet>"
            + "<item><ipv6Address>2400:6500:6cb8:2300::a2</ipv6Address><isPrimaryIpv6>false</isPrimaryIpv6></item>"
            + "<item><ipv6Address>::1</ipv6Address><isPrimaryIpv6>false</isPrimaryIpv6></item></ipv6AddressesSet>"
            + "<privateIpAddress>127.1.1.7</privateIpAddress></item></networkInterfaceSet>"
            + "<instanceId>i-v6</instanceId><instanceState><code>16</code><name>running</name></instanceState>"
            + "<placement><availabilityZone>us-west-2c</availabilityZone></placement>"
            + "<privateIpAddress>127.1.1.7</privateIpAddress></item>"
        let instance = try #require(try page(motoResponse(item), region: "us-west-2").instances.first)
        #expect(instance.id == "i-v6")
        #expect(instance.name == nil)
        #expect(instance.tags.isEmpty)
        #expect(instance.publicIPv4 == nil)
        #expect(instance.publicDNSName == nil)
        #expect(instance.privateDNSName == nil)
        #expect(instance.type == nil)
        #expect(instance.launchTime == nil)
        #expect(instance.privateIPv4 == ["127.1.1.7"])
        #expect(instance.ipv6 == ["2400:6500:6cb8:2300::a2", "::1"])
        #expect(instance.region == "us-west-2")
    }

    @Test("only the instance id is required: an item without one is a malformed response")
    func minimalAndMissingID() throws {
        let minimal = try page(motoResponse("<item><instanceId>i-min</instanceId></item>"))
        #expect(minimal.instances == [Instance(id: "i-min", state: "unknown", region: "us-east-1", account: "123456789012")])
        #expect(throws: DescribeInstancesReader.MissingInstanceID.self) {
            try page(motoResponse("<item><instanceType>t3.micro</instanceType></item>"))
        }
    }

    @Test("many reservations with several instances each, and the nextToken")
    func manyReservations() throws {
        let items = (0..<3).map { "<item><instanceId>i-\($0)</instanceId></item>" }.joined()
        let result = try page(motoResponse(items, reservations: 40, nextToken: "r-1950414895d2340e8"))
        #expect(result.instances.count == 120)
        #expect(result.nextToken == "r-1950414895d2340e8")
        #expect(result.instances.prefix(4).map(\.id) == ["i-0", "i-1", "i-2", "i-0"])
    }

    @Test("an empty reservation set is an empty page")
    func emptyPage() throws {
        let text = #"<DescribeInstancesResponse xmlns="x"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>"#
        let result = try page(text)
        #expect(result.instances.isEmpty)
        #expect(result.nextToken == nil)
    }

    @Test("the real-shaped fixture: indentation, empty elements, top-level IPv6, entities, unknown elements")
    func realShaped() throws {
        let document = try XMLDocument.parse(try SharedFixtures.bytes("ec2/describe-instances-real-shaped.xml"))
        let result = try MappedPage(document, region: "eu-west-1")
        #expect(result.nextToken == "eyJ2IjoiMiIsImMiOiJhYmMrLz0ifQ==")
        #expect(result.instances.map(\.id) == ["i-0aaaaaaaaaaaaaaa1", "i-0ccccccccccccccc3", "i-0ddddddddddddddd4"])

        let app = result.instances[0]
        #expect(app.name == "app & api (blue)")
        #expect(app.tags == ["Name": "app & api (blue)", "team": "<platform>", "empty": "", "café": "crème"])
        #expect(app.state == "running")
        #expect(app.type == "m7g.large")
        #expect(app.availabilityZone == "eu-west-1b")
        #expect(app.account == "111122223333")
        // Top-level primary first, then the primary interface (device 0, listed second) with its primary address
        // before its secondary one, then the interface at device 1.
        #expect(app.privateIPv4 == ["10.0.1.11", "10.0.1.12", "10.0.2.22"])
        #expect(app.ipv6 == ["2a05:d018:1e2:3400::11", "2a05:d018:1e2:3400::12"])
        #expect(app.publicIPv4 == nil)
        #expect(app.publicDNSName == nil)
        #expect(app.privateDNSName == "ip-10-0-1-11.eu-west-1.compute.internal")
        #expect(app.launchTime == ISO8601.parse("2026-03-14T09:26:53Z"))

        let stopped = result.instances[1]
        #expect(stopped.state == "stopped")
        #expect(stopped.publicIPv4 == nil)  // whitespace-only <ipAddress>
        #expect(stopped.publicDNSName == nil)  // <dnsName></dnsName>
        #expect(stopped.name == nil)
        #expect(stopped.launchTime == ISO8601.parse("2025-12-01T00:00:00Z"))

        let web = result.instances[2]
        #expect(web.name == "web-1")
        #expect(web.publicIPv4 == "203.0.113.44")
        #expect(web.publicDNSName == "ec2-203-0-113-44.eu-west-1.compute.amazonaws.com")
    }
}

@Suite("A page of moto's own output")
struct MotoPageTests {
    /// `describe-instances-moto.xml` is moto 5.2.1's answer for one instance (web-1 of the seeding script),
    /// captured verbatim; repeating its reservation makes a full 1,000-instance page of ~3.3 MB.
    static func thousandInstancePage() throws -> [UInt8] {
        let single = try SharedFixtures.text("ec2/describe-instances-moto.xml")
        let start = try #require(single.range(of: "<reservationSet>")).upperBound
        let end = try #require(single.range(of: "</reservationSet>")).lowerBound
        let page = single[..<start] + String(repeating: String(single[start..<end]), count: 1_000) + single[end...]
        return Array(page.utf8)
    }

    @Test("one instance as moto renders it")
    func single() throws {
        let document = try XMLDocument.parse(try SharedFixtures.bytes("ec2/describe-instances-moto.xml"))
        let instance = try #require(try MappedPage(document, region: "us-east-1").instances.first)
        #expect(instance.id.hasPrefix("i-"))
        #expect(instance.name == "web-1")
        #expect(instance.tags == ["Name": "web-1", "env": "test"])
        #expect(instance.state == "running")
        #expect(instance.type == "t3.micro")
        #expect(instance.account == "123456789012")
        #expect(instance.availabilityZone == "us-east-1a")
        #expect(instance.privateIPv4.count == 1)
        #expect(instance.publicIPv4?.hasPrefix("54.214.") == true)
        #expect(instance.privateDNSName?.hasPrefix("ip-") == true)
        #expect(instance.publicDNSName?.hasPrefix("ec2-") == true)
        #expect(instance.launchTime != nil)
    }

    @Test("a 1,000-instance page maps completely (release build: about 12 ms, see the module README)")
    func thousand() throws {
        let bytes = try Self.thousandInstancePage()
        #expect(bytes.count > 3_000_000)
        let page = try MappedPage(XMLDocument.parse(bytes), region: "us-east-1")
        #expect(page.instances.count == 1_000)
        #expect(page.instances.allSatisfy { $0.name == "web-1" && $0.publicIPv4 != nil && $0.privateIPv4.count == 1 })
    }
}
