import FednsSupport

/// Reads DescribeInstances XML into `EC2Reservation` values.
///
/// Unknown elements are ignored (EC2 adds elements over time) and empty text counts as absent (real EC2 sends
/// `<dnsName/>`, moto leaves elements out).
package enum DescribeInstancesReader {
    package struct MissingInstanceID: Error {
        package var reservationID: String?
    }

    /// The reservations of one response page and its `nextToken`.
    package static func page(_ document: XMLDocument) throws(MissingInstanceID) -> DescribeInstancesPage {
        var reservations: [EC2Reservation] = []
        for item in document.root.items("reservationSet") {
            let reservationID = item.childText("reservationId")
            var instances: [EC2Instance] = []
            for instanceItem in item.items("instancesSet") {
                guard let instance = instance(instanceItem) else { throw MissingInstanceID(reservationID: reservationID) }
                instances.append(instance)
            }
            reservations.append(
                EC2Reservation(reservationId: reservationID, ownerId: item.childText("ownerId"), instances: instances))
        }
        return DescribeInstancesPage(reservations: reservations, nextToken: document.root.childText("nextToken"))
    }

    /// One `instancesSet/item`; nil when it has no `instanceId`.
    static func instance(_ item: XMLElement) -> EC2Instance? {
        var id: String?
        var instance = EC2Instance(instanceId: "")
        // One pass over the children, rather than a lookup per field: an instance item has ~40 children.
        for child in item.children {
            if child.hasName("instanceId") {
                id = nonEmpty(child.text)
            } else if child.hasName("tagSet") {
                for tag in child.children where tag.hasName("item") {
                    if let key = tag.childText("key") { instance.tags[key] = tag.child("value")?.text ?? "" }
                }
            } else if child.hasName("instanceState") {
                instance.stateName = child.childText("name")
            } else if child.hasName("instanceType") {
                instance.instanceType = nonEmpty(child.text)
            } else if child.hasName("placement") {
                instance.availabilityZone = child.childText("availabilityZone")
            } else if child.hasName("privateIpAddress") {
                instance.privateIpAddress = nonEmpty(child.text)
            } else if child.hasName("ipAddress") {
                instance.ipAddress = nonEmpty(child.text)
            } else if child.hasName("ipv6Address") {
                instance.ipv6Address = nonEmpty(child.text)
            } else if child.hasName("privateDnsName") {
                instance.privateDnsName = nonEmpty(child.text)
            } else if child.hasName("dnsName") {
                instance.dnsName = nonEmpty(child.text)
            } else if child.hasName("vpcId") {
                instance.vpcId = nonEmpty(child.text)
            } else if child.hasName("launchTime") {
                instance.launchTime = nonEmpty(child.text).flatMap(ISO8601.parse)
            } else if child.hasName("networkInterfaceSet") {
                instance.networkInterfaces = child.children.filter { $0.hasName("item") }.map(networkInterface)
            }
        }
        guard let id else { return nil }
        instance.instanceId = id
        return instance
    }

    private static func networkInterface(_ item: XMLElement) -> EC2NetworkInterface {
        EC2NetworkInterface(
            deviceIndex: item.child("attachment")?.childText("deviceIndex").flatMap { Int($0) },
            privateIpAddress: item.childText("privateIpAddress"),
            privateIpAddresses: addresses(item.items("privateIpAddressesSet"), "privateIpAddress", flag: "primary"),
            ipv6Addresses: addresses(item.items("ipv6AddressesSet"), "ipv6Address", flag: "isPrimaryIpv6"))
    }

    private static func addresses(_ items: [XMLElement], _ address: StaticString, flag: StaticString)
        -> [EC2InterfaceAddress]
    {
        items.compactMap { item in
            item.childText(address).map { EC2InterfaceAddress($0, primary: item.childText(flag) == "true") }
        }
    }

    private static func nonEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }
}
