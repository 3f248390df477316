import DNSWire
import Foundation
import Inventory

/// Builds the index and collects naming problems.
struct ZoneBuilder {
    let settings: ZoneOptions
    var records: [InstanceRecords] = []
    var forward: [DNSName: ForwardNode] = [:]
    var reverseV4: [(UInt32, Int32)] = []
    var reverseV6: [(UInt128, Int32)] = []
    var problems: [NamingProblem] = []

    init(settings: ZoneOptions) {
        self.settings = settings
        if settings.nameserver.isSubdomain(of: settings.origin) && settings.nameserver != settings.origin {
            forward[settings.nameserver, default: ForwardNode()].isNameserver = true
            addEmptyNonTerminals(above: settings.nameserver)
        }
    }

    mutating func add(_ instances: [Instance]) {
        // A stable order (name, launch time, id) so answers and PTR targets do not depend on API page order.
        let named =
            instances
            .filter { settings.states.contains($0.state) }
            .map { (key: (InstanceNaming.canonicalLabel(of: $0), $0.launchTime?.timeIntervalSince1970 ?? 0, $0.id), instance: $0) }
            .sorted { $0.key < $1.key }
            .map(\.instance)
        var holdersOfName: [String: [String]] = [:]
        for instance in named {
            add(instance, holdersOfName: &holdersOfName)
        }
        for (label, ids) in holdersOfName.sorted(by: { $0.key < $1.key }) where ids.count > 1 {
            problems.append(
                NamingProblem(
                    kind: .duplicateName, name: label, instanceIDs: ids,
                    detail: "\(ids.count) instances share this name; it answers with all of their addresses"))
        }
    }

    private mutating func add(_ instance: Instance, holdersOfName: inout [String: [String]]) {
        let index = Int32(records.count)
        let idLabel = InstanceNaming.idLabel(of: instance)
        let nameLabel = InstanceNaming.label(of: instance)
        if let tag = instance.name, let nameLabel, InstanceNaming.tagNeedsRewriting(tag) {
            problems.append(
                NamingProblem(
                    kind: .nameRewritten, name: nameLabel, instanceIDs: [instance.id],
                    detail: "Name tag \"\(tag)\" is not a DNS label; served as \(nameLabel)"))
        }
        guard let idName = name(idLabel) else {
            problems.append(
                NamingProblem(
                    kind: .unusableAddress, name: instance.id, instanceIDs: [instance.id],
                    detail: "instance id cannot be used as a DNS label"))
            return
        }
        let tagName = nameLabel.flatMap { name($0) }
        records.append(
            InstanceRecords(
                a: ipv4Address(for: instance), aaaa: ipv6Addresses(for: instance), canonicalName: tagName ?? idName,
                instance: instance))

        attach(index, to: idName, label: idLabel, instance: instance)
        if let nameLabel, let tagName {
            holdersOfName[nameLabel, default: []].append(instance.id)
            attach(index, to: tagName, label: nameLabel, instance: instance)
            let regionLabel = InstanceNaming.label(forNameTag: instance.region) ?? "unknown"
            if let regional = name("\(nameLabel).\(regionLabel)") {
                attach(index, to: regional, label: "\(nameLabel).\(regionLabel)", instance: instance)
            }
        }
        addReverse(index, instance: instance)
    }

    private func name(_ relative: String) -> DNSName? {
        var result = settings.origin
        for label in relative.split(separator: ".").reversed() {
            guard let longer = try? result.prepending(label: Array(label.utf8)) else { return nil }
            result = longer
        }
        return result
    }

    private mutating func attach(_ index: Int32, to name: DNSName, label: String, instance: Instance) {
        var node = forward[name, default: ForwardNode()]
        if node.isNameserver {
            problems.append(
                NamingProblem(
                    kind: .shadowedName, name: label, instanceIDs: [instance.id],
                    detail: "the name is the zone's name server (\(settings.nameserver)); the instance is not served under it"))
            return
        }
        node.instances.append(index)
        forward[name] = node
        addEmptyNonTerminals(above: name)
    }

    /// Names between the apex and `name` exist even without records of their own (RFC 8020): `us-east-1.ec2`
    /// when only `web-1.us-east-1.ec2` has data.
    private mutating func addEmptyNonTerminals(above name: DNSName) {
        let depth = name.labelCount - settings.origin.labelCount
        guard depth > 1 else { return }
        for drop in 1..<depth {
            let ancestor = name.droppingFirstLabels(drop)
            if forward[ancestor] == nil { forward[ancestor] = ForwardNode() }
        }
    }

    private mutating func ipv4Address(for instance: Instance) -> IPv4Address? {
        guard let text = settings.addressMode.ipv4(of: instance) else {
            if instance.ipv6.isEmpty {
                problems.append(
                    NamingProblem(
                        kind: .noAddress, name: InstanceNaming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                        detail: "no \(settings.addressMode.rawValue) IPv4 address and no IPv6 address"))
            }
            return nil
        }
        guard let address = IPv4Address(text) else {
            reportUnusable(text, of: instance)
            return nil
        }
        return address
    }

    private mutating func ipv6Addresses(for instance: Instance) -> [IPv6Address] {
        instance.ipv6.compactMap { text in
            guard let address = IPv6Address(text) else {
                reportUnusable(text, of: instance)
                return nil
            }
            return address
        }
    }

    private mutating func reportUnusable(_ text: String, of instance: Instance) {
        problems.append(
            NamingProblem(
                kind: .unusableAddress, name: InstanceNaming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                detail: "\"\(text)\" is not an IP address"))
    }

    private mutating func addReverse(_ index: Int32, instance: Instance) {
        var v4 = instance.privateIPv4
        if let publicIPv4 = instance.publicIPv4 { v4.append(publicIPv4) }
        for address in Set(v4.compactMap { IPv4Address($0) }) {
            reverseV4.append((address.value, index))
        }
        for address in Set(instance.ipv6.compactMap { IPv6Address($0) }) {
            reverseV6.append((address.value, index))
        }
    }
}
