import DNSWire
import Foundation
import Inventory

/// Builds the index and collects naming problems.
struct ZoneBuilder {
    let settings: ZoneOptions
    var records: [InstanceRecords] = []
    /// Forward names (lower-cased wire form) and, index for index, what each holds.
    private var names = NameTable()
    private var kinds: [NameNode.Kind] = []
    private var lists: [IndexList] = []
    /// The apex in lower-cased wire form, the suffix of every forward name.
    private let apexKey: [UInt8]
    var reverseV4: [(UInt32, Int32)] = []
    var reverseV6: [(UInt128, Int32)] = []
    var problems: [NamingProblem] = []

    init(settings: ZoneOptions) {
        self.settings = settings
        apexKey = settings.origin.lowercased().wire
        _ = node(apexKey, kind: .apex)
        if settings.nameserver.isSubdomain(of: settings.origin) && settings.nameserver != settings.origin {
            let key = settings.nameserver.lowercased().wire
            kinds[Int(node(key, kind: .nameserver))] = .nameserver
            addEmptyNonTerminals(above: key)
        }
    }

    /// The names, their nodes and the flattened instance lists, for `CompiledZone`.
    func nameIndex() -> (NameTable, [NameNode], [Int32]) {
        var flat: [Int32] = []
        flat.reserveCapacity(records.count * 3)
        var nodes: [NameNode] = []
        nodes.reserveCapacity(kinds.count)
        for (kind, list) in zip(kinds, lists) {
            nodes.append(NameNode(kind: kind, first: Int32(flat.count), count: Int32(list.count)))
            flat.append(contentsOf: list)
        }
        return (names, nodes, flat)
    }

    /// The node of `key`, made with `kind` when new.
    private mutating func node(_ key: [UInt8], kind: NameNode.Kind) -> Int32 {
        let index = names.insert(key)
        if Int(index) == kinds.count {
            kinds.append(kind)
            lists.append(IndexList())
        }
        return index
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
        guard let idKey = key(idLabel), let idName = name(idLabel) else {
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

        attach(index, to: idKey, label: idLabel, instance: instance)
        if let nameLabel, let tagKey = key(nameLabel), tagName != nil {
            holdersOfName[nameLabel, default: []].append(instance.id)
            attach(index, to: tagKey, label: nameLabel, instance: instance)
            let regionLabel = InstanceNaming.label(forNameTag: instance.region) ?? "unknown"
            if let regional = key("\(nameLabel).\(regionLabel)") {
                attach(index, to: regional, label: "\(nameLabel).\(regionLabel)", instance: instance)
            }
        }
        addReverse(index, instance: instance)
    }

    /// `relative` (dot-separated labels) under the apex as a name, in the apex's own spelling.
    private func name(_ relative: String) -> DNSName? {
        var result = settings.origin
        for label in relative.split(separator: ".").reversed() {
            guard let longer = try? result.prepending(label: Array(label.utf8)) else { return nil }
            result = longer
        }
        return result
    }

    /// `relative` (dot-separated labels, already lower case) under the apex as a lower-cased wire-form key, or
    /// nil when a label or the whole name is too long.
    private func key(_ relative: String) -> [UInt8]? {
        var key: [UInt8] = []
        key.reserveCapacity(relative.utf8.count + 1 + apexKey.count)
        for label in relative.utf8.split(separator: UInt8(ascii: ".")) {
            guard label.count <= DNSName.maxLabelLength else { return nil }
            key.append(UInt8(label.count))
            key.append(contentsOf: label.lazy.map(asciiLowercase))
        }
        key.append(contentsOf: apexKey)
        return key.count <= DNSName.maxWireLength ? key : nil
    }

    private mutating func attach(_ index: Int32, to key: [UInt8], label: String, instance: Instance) {
        let node = Int(node(key, kind: .instances))
        if kinds[node] == .nameserver {
            problems.append(
                NamingProblem(
                    kind: .shadowedName, name: label, instanceIDs: [instance.id],
                    detail: "the name is the zone's name server (\(settings.nameserver)); the instance is not served under it"))
            return
        }
        lists[node].append(index)
        addEmptyNonTerminals(above: key)
    }

    /// Names between the apex and `key` exist even without records of their own (RFC 8020): `us-east-1.ec2`
    /// when only `web-1.us-east-1.ec2` has data.
    private mutating func addEmptyNonTerminals(above key: [UInt8]) {
        var start = Int(key[0]) + 1
        while key.count - start > apexKey.count {
            _ = node(Array(key[start...]), kind: .instances)
            start += Int(key[start]) + 1
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
