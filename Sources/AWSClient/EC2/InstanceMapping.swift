import FednsSupport
import Inventory

/// Reads DescribeInstances XML into `Inventory.Instance` values.
///
/// Everything but the instance id may be missing: moto leaves out elements it has no value for (no `ipAddress`
/// without a public IP), real EC2 sends some of them empty (`<dnsName/>`), and both add elements over time. So
/// unknown elements are ignored, and empty text counts as absent.
enum InstanceMapping {
    struct MissingInstanceID: Error {
        var reservationID: String?
    }

    /// The instances of one response page and its `nextToken`.
    static func page(_ document: XMLDocument, region: String) throws(MissingInstanceID) -> DescribeInstancesPage {
        var instances: [Instance] = []
        for reservation in document.root.items("reservationSet") {
            let owner = reservation.childText("ownerId")
            for item in reservation.items("instancesSet") {
                guard let instance = instance(item, region: region, owner: owner) else {
                    throw MissingInstanceID(reservationID: reservation.childText("reservationId"))
                }
                instances.append(instance)
            }
        }
        return DescribeInstancesPage(instances: instances, nextToken: document.root.childText("nextToken"))
    }

    /// One `instancesSet/item`; nil when it has no `instanceId`.
    static func instance(_ item: XMLElement, region: String, owner: String?) -> Instance? {
        var id: String?
        var tags: [String: String] = [:]
        var state: String?
        var type: String?
        var zone: String?
        var primaryPrivateIPv4: String?
        var publicIPv4: String?
        var topLevelIPv6: String?
        var privateDNSName: String?
        var publicDNSName: String?
        var launchTime: String?
        var interfaces: [NetworkInterface] = []

        // One pass over the children, rather than a lookup per field: an instance item has ~40 children.
        for child in item.children {
            if child.hasName("instanceId") {
                id = nonEmpty(child.text)
            } else if child.hasName("tagSet") {
                for tag in child.children where tag.hasName("item") {
                    if let key = tag.childText("key") { tags[key] = tag.child("value")?.text ?? "" }
                }
            } else if child.hasName("instanceState") {
                state = child.childText("name")
            } else if child.hasName("instanceType") {
                type = nonEmpty(child.text)
            } else if child.hasName("placement") {
                zone = child.childText("availabilityZone")
            } else if child.hasName("privateIpAddress") {
                primaryPrivateIPv4 = nonEmpty(child.text)
            } else if child.hasName("ipAddress") {
                publicIPv4 = nonEmpty(child.text)
            } else if child.hasName("ipv6Address") {
                topLevelIPv6 = nonEmpty(child.text)
            } else if child.hasName("privateDnsName") {
                privateDNSName = nonEmpty(child.text)
            } else if child.hasName("dnsName") {
                publicDNSName = nonEmpty(child.text)
            } else if child.hasName("launchTime") {
                launchTime = nonEmpty(child.text)
            } else if child.hasName("networkInterfaceSet") {
                interfaces = child.children.filter { $0.hasName("item") }.map(NetworkInterface.init)
            }
        }
        guard let id else { return nil }

        // The primary interface (device index 0) first, so its addresses lead; the sort is stable.
        interfaces.sort { ($0.deviceIndex ?? Int.max) < ($1.deviceIndex ?? Int.max) }
        var privateIPv4 = OrderedUnique()
        privateIPv4.append(primaryPrivateIPv4)
        var ipv6 = OrderedUnique()
        ipv6.append(topLevelIPv6)
        for interface in interfaces {
            privateIPv4.append(interface.primaryPrivateIPv4)
            interface.privateIPv4.forEach { privateIPv4.append($0) }
            interface.ipv6.forEach { ipv6.append($0) }
        }

        return Instance(
            id: id, name: tags["Name"].flatMap(nonEmpty), tags: tags, state: state ?? "unknown", type: type,
            availabilityZone: zone, region: region, account: owner, privateIPv4: privateIPv4.values,
            publicIPv4: publicIPv4, ipv6: ipv6.values, privateDNSName: privateDNSName,
            publicDNSName: publicDNSName, launchTime: launchTime.flatMap(ISO8601.parse))
    }

    /// The addresses of one `networkInterfaceSet/item`, primary ones first.
    private struct NetworkInterface {
        var deviceIndex: Int?
        var primaryPrivateIPv4: String?
        var privateIPv4: [String] = []
        var ipv6: [String] = []

        init(_ item: XMLElement) {
            deviceIndex = item.child("attachment")?.childText("deviceIndex").flatMap { Int($0) }
            primaryPrivateIPv4 = item.childText("privateIpAddress")
            privateIPv4 = Self.primaryFirst(item.items("privateIpAddressesSet"), "privateIpAddress", flag: "primary")
            ipv6 = Self.primaryFirst(item.items("ipv6AddressesSet"), "ipv6Address", flag: "isPrimaryIpv6")
        }

        /// The addresses of an address set, those flagged primary first, otherwise in document order.
        private static func primaryFirst(_ items: [XMLElement], _ address: StaticString, flag: StaticString)
            -> [String]
        {
            var primary: [String] = []
            var others: [String] = []
            for item in items {
                guard let value = item.childText(address) else { continue }
                if item.childText(flag) == "true" { primary.append(value) } else { others.append(value) }
            }
            return primary + others
        }
    }

    /// Addresses in first-seen order without repeats (the primary private IP appears at the top level, on
    /// the interface and in its address set).
    private struct OrderedUnique {
        private(set) var values: [String] = []
        private var seen: Set<String> = []

        mutating func append(_ value: String?) {
            guard let value, seen.insert(value).inserted else { return }
            values.append(value)
        }
    }

    private static func nonEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }
}
