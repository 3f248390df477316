import DNSWire
import Foundation
import Inventory

/// Builds what the zone holds per instance (addresses, prebuilt wire records, reverse entries) over the names of a
/// `NameIndex`, and collects the naming problems. Each instance is visited once for all of it: at 100,000 instances
/// a pass over them costs mostly cache misses on their scattered strings, so passes are what to save.
struct ZoneBuilder: MemberVisitor {
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

    mutating func reserve(instances count: Int) {
        instanceWire.reserveCapacity(count)
        wire.reserve(instances: count)
        reverseV4.reserveCapacity(count * 2)
    }

    /// Names the instances and builds their records; returns the names.
    ///
    /// The records are built while naming passes over the instances (a pass over 100,000 instances costs mostly
    /// cache misses on their scattered strings, so passes are what to save); only the PTR records wait for the names,
    /// since their target depends on which form owns each name.
    mutating func add(_ instances: [Instance], twoThreadsFrom: Int = NameIndex.twoThreadMinimum) -> NameIndex {
        reserve(instances: instances.count)
        let settings = settings  // read before `self` is lent to the index as its visitor
        let index = NameIndex(instances: instances, options: settings, visitor: &self, twoThreadsFrom: twoThreadsFrom)
        // The PTR target is the NAME the instance is served under, else its id (a NAME lost to a form of higher
        // precedence does not lead back to it): the name's key as the table holds it, under the apex in its own
        // spelling, so no label string is read again.
        var targets = [Int32](repeating: -1, count: index.instances.count)
        for node in 0..<Int32(index.nodeCount) {
            switch index.form(ofNode: node) {
            case .name: for member in index.members(ofNode: node) { targets[Int(member)] = node }
            case .instanceID: for member in index.members(ofNode: node) where targets[Int(member)] < 0 { targets[Int(member)] = node }
            default: continue
            }
        }
        let apexLength = settings.origin.wire.count
        for position in targets.indices {
            if targets[position] >= 0 {
                wire.addPTR(relative: index.table.key(at: targets[position]).dropLast(apexLength), to: &instanceWire[position])
            } else {
                // An id that another form owns (an inventory file can name an instance `ns`): its label all the same.
                wire.addPTR(relative: Self.relativeKey(index.labels[position].id), to: &instanceWire[position])
            }
        }
        problems += index.problems
        return index
    }

    /// An instance's records but its PTR, its reverse entries, and what is wrong with it.
    mutating func visit(_ position: Int32, _ instance: Instance, _ labels: InstanceLabels) {
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

    func emptyCopy() -> ZoneBuilder {
        ZoneBuilder(settings: settings, serial: wire.serial)
    }

    /// Takes over the records of `later`, built for the members after this one's: its bytes go after these, and its
    /// record sets move with them.
    mutating func append(_ later: ZoneBuilder) {
        let base = Int32(wire.count)
        wire.append(later.wire)
        instanceWire.reserveCapacity(instanceWire.count + later.instanceWire.count)
        for set in later.instanceWire { instanceWire.append(set.moved(by: base)) }
        reverseV4 += later.reverseV4
        reverseV6 += later.reverseV6
        problems += later.problems
    }

    /// `label` as the part of a name in front of the apex (length and bytes); empty (the apex itself) when too long.
    private static func relativeKey(_ label: String) -> ArraySlice<UInt8> {
        let bytes = Array(label.utf8)
        guard !bytes.isEmpty, bytes.count <= DNSName.maxLabelLength else { return [] }
        return ArraySlice([UInt8(bytes.count)] + bytes)
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
