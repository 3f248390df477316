import DNSWire
import Foundation
import Inventory

/// Builds what the zone holds per instance (addresses, prebuilt wire records, reverse entries) over the names of a
/// `NameIndex`, and collects the naming problems. Each instance is visited once for all of it: at 100,000 instances
/// a pass over them costs mostly cache misses on their scattered strings, so passes are what to save.
struct ZoneBuilder {
    let settings: ZoneOptions
    /// Where each named instance's prebuilt records are in `wire`, in the index's order (one per instance).
    var instanceWire: [WireRecords.InstanceRecordSet] = []
    var wire: WireRecords.Builder
    var reverseV4: [(UInt32, Int32)] = []
    var reverseV6: [(UInt128, Int32)] = []
    var problems: [NamingProblem] = []

    init(settings: ZoneOptions, serial: UInt32) {
        self.settings = settings
        wire = WireRecords.Builder(settings: settings, serial: serial)
    }

    /// Names the instances and builds their records; returns the names.
    ///
    /// The records are built while naming passes over the instances (a pass over 100,000 instances costs mostly
    /// cache misses on their scattered strings, so passes are what to save); only the PTR records wait for the names,
    /// since their target depends on which form owns each name.
    mutating func add(_ instances: [Instance]) -> NameIndex {
        instanceWire.reserveCapacity(instances.count)
        wire.reserve(instances: instances.count)
        reverseV4.reserveCapacity(instances.count * 2)
        let index = NameIndex(instances: instances, options: settings) { position, instance, labels in
            add(instance, position: position, labels: labels)
        }
        // The PTR target is the NAME the instance is served under, else its id (a NAME lost to a form of higher
        // precedence does not lead back to it).
        var servedByName = [Bool](repeating: false, count: index.instances.count)
        for node in 0..<Int32(index.nodeCount) where index.form(ofNode: node) == .name {
            for member in index.members(ofNode: node) { servedByName[Int(member)] = true }
        }
        index.labels.withUnsafeBufferPointer { labels in
            for position in labels.indices {
                let canonical = servedByName[position] ? labels[position].name : nil
                let target = name(canonical ?? labels[position].id) ?? settings.origin
                wire.addPTR(target, to: &instanceWire[position])
            }
        }
        problems += index.problems
        return index
    }

    /// An instance's records but its PTR, its reverse entries, and what is wrong with it.
    private mutating func add(_ instance: Instance, position: Int32, labels: InstanceLabels) {
        let naming = settings.naming
        if let tag = naming.nameTagValue(of: instance), let nameLabel = labels.name, InstanceNaming.tagNeedsRewriting(tag) {
            problems.append(
                NamingProblem(
                    kind: .nameRewritten, name: nameLabel, instanceIDs: [instance.id],
                    detail: "\(naming.nameTag) tag \"\(tag)\" is not a DNS label; served as \(nameLabel)"))
        }
        let record = InstanceRecords(a: ipv4Address(for: instance), aaaa: ipv6Addresses(for: instance))
        instanceWire.append(wire.add(record, of: instance, labels: labels))
        addReverse(position, instance: instance)
    }

    /// `label` under the apex as a name, in the apex's own spelling.
    private func name(_ label: String) -> DNSName? {
        try? settings.origin.prepending(label: Array(label.utf8))
    }

    private mutating func ipv4Address(for instance: Instance) -> IPv4Address? {
        guard let text = settings.addressMode.ipv4(of: instance) else {
            if instance.ipv6.isEmpty {
                problems.append(
                    NamingProblem(
                        kind: .noAddress, name: settings.naming.canonicalLabel(of: instance), instanceIDs: [instance.id],
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
                kind: .unusableAddress, name: settings.naming.canonicalLabel(of: instance), instanceIDs: [instance.id],
                detail: "\"\(text)\" is not an IP address"))
    }

    /// Every address of the instance, each once, points back at it (no set made per instance: there are a few).
    private mutating func addReverse(_ index: Int32, instance: Instance) {
        reverseV4.reserveCapacity(reverseV4.count + 2)
        let first = reverseV4.count
        func addV4(_ text: String) {
            if let address = IPv4Address(text), !reverseV4[first...].contains(where: { $0.0 == address.value }) {
                reverseV4.append((address.value, index))
            }
        }
        for text in instance.privateIPv4 { addV4(text) }
        if let text = instance.publicIPv4 { addV4(text) }
        let firstV6 = reverseV6.count
        for text in instance.ipv6 {
            if let address = IPv6Address(text), !reverseV6[firstV6...].contains(where: { $0.0 == address.value }) {
                reverseV6.append((address.value, index))
            }
        }
    }
}
