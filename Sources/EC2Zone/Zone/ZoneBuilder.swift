import DNSWire
import Foundation
import Inventory

/// Builds the index and collects naming problems, in one pass over the instances in the order given.
///
/// It runs for every inventory change, on 100,000 instances and more, so it works on bytes: labels are made as
/// byte arrays in one pass over each tag, names are assembled in one scratch buffer and copied only into the
/// `NameTable`, and instances are read in place, never copied. The order of the answers does not depend on the
/// order of the input: the instances behind a name are sorted by launch time, then id, once all are in.
struct ZoneBuilder {
    let settings: ZoneOptions
    var records: [InstanceRecords] = []
    /// Per record, the position of its instance in the input.
    var sources: [Int] = []
    /// Forward names (lower-cased wire form) and, index for index, what each holds.
    private var names = NameTable()
    private var kinds: [NameNode.Kind] = []
    private var lists: [IndexList] = []
    /// Per node, whether a `Name` tag names it (`NAME.ec2`): several instances there are a duplicate name worth
    /// reporting.
    private var isTagNode: [Bool] = []
    /// The apex in lower-cased wire form, the suffix of every forward name.
    private let apexKey: [UInt8]
    /// Where each name is assembled before it goes into the table.
    private var scratch: [UInt8] = []
    var reverseV4: [(UInt32, Int32)] = []
    var reverseV6: [(UInt128, Int32)] = []
    var problems: [NamingProblem] = []
    /// Per instance index, what orders instances that share a name: launch time, then id.
    private var order: [(launched: Double, id: String)] = []

    init(settings: ZoneOptions) {
        self.settings = settings
        apexKey = settings.origin.lowercased().wire
        _ = node(apexKey, kind: .apex)
        if settings.nameserver.isSubdomain(of: settings.origin) && settings.nameserver != settings.origin {
            let key = settings.nameserver.lowercased().wire
            kinds[Int(node(key, kind: .nameserver))] = .nameserver
            key.withUnsafeBytes { addEmptyNonTerminals(above: $0) }
        }
    }

    mutating func add(_ instances: [Instance]) {
        // Room for everything up front: growing by doubling copies and faults in fresh pages several times over.
        records.reserveCapacity(instances.count)
        sources.reserveCapacity(instances.count)
        order.reserveCapacity(instances.count)
        names.reserve(instances.count * 4)
        kinds.reserveCapacity(instances.count * 4)
        lists.reserveCapacity(instances.count * 4)
        isTagNode.reserveCapacity(instances.count * 4)
        reverseV4.reserveCapacity(instances.count * 2)
        for position in instances.indices where settings.states.contains(instances[position].state) {
            if add(instances[position]) { sources.append(position) }
        }
        // Instances behind one name share its label: launch time and id decide their order (as if all were
        // sorted by name, launch time and id, without sorting them all).
        for node in lists.indices where lists[node].count > 1 {
            lists[node].sort { order[Int($0)] < order[Int($1)] }
        }
        for node in lists.indices where isTagNode[node] && lists[node].count > 1 {
            let key = names.key(at: Int32(node))
            let label = String(decoding: key.dropFirst().prefix(Int(key[key.startIndex])), as: UTF8.self)
            let ids = lists[node].map { order[Int($0)].id }
            problems.append(
                NamingProblem(
                    kind: .duplicateName, name: label, instanceIDs: ids,
                    detail: "\(ids.count) instances share this name; it answers with all of their addresses"))
        }
        problems.sort { ($0.name, $0.kind.rawValue, $0.instanceIDs.first ?? "") < ($1.name, $1.kind.rawValue, $1.instanceIDs.first ?? "") }
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

    /// Orders instances sharing an address (their PTR RRset) as those sharing a name are ordered.
    func precedes(_ left: Int32, _ right: Int32) -> Bool {
        order[Int(left)] < order[Int(right)]
    }

    /// The node of `key`, made with `kind` when new.
    private mutating func node(_ key: UnsafeRawBufferPointer, kind: NameNode.Kind) -> Int32 {
        let index = names.insert(key)
        if Int(index) == kinds.count {
            kinds.append(kind)
            lists.append(IndexList())
            isTagNode.append(false)
        }
        return index
    }

    private mutating func node(_ key: [UInt8], kind: NameNode.Kind) -> Int32 {
        key.withUnsafeBytes { node($0, kind: kind) }
    }

    /// Adds one instance; false when it cannot be named at all.
    private mutating func add(_ instance: Instance) -> Bool {
        let index = Int32(records.count)
        var idLabel = Array(instance.id.utf8)
        for position in idLabel.indices { idLabel[position] = asciiLowercase(idLabel[position]) }
        let nameLabel = InstanceNaming.labelBytes(forNameTag: instance.name)
        if let tag = instance.name, nameLabel != nil, InstanceNaming.tagNeedsRewriting(tag) {
            let served = String(decoding: nameLabel ?? [], as: UTF8.self)
            problems.append(
                NamingProblem(
                    kind: .nameRewritten, name: served, instanceIDs: [instance.id],
                    detail: "Name tag \"\(tag)\" is not a DNS label; served as \(served)"))
        }
        guard let idName = canonicalName(idLabel), assemble([idLabel]) else {
            problems.append(
                NamingProblem(
                    kind: .unusableAddress, name: instance.id, instanceIDs: [instance.id],
                    detail: "instance id cannot be used as a DNS label"))
            return false
        }
        let canonicalLabel = nameLabel ?? idLabel
        let tagName = nameLabel.flatMap(canonicalName)
        records.append(
            InstanceRecords(
                a: ipv4Address(for: instance, label: canonicalLabel),
                aaaa: ipv6Addresses(for: instance, label: canonicalLabel), canonicalName: tagName ?? idName))
        order.append((instance.launchTime?.timeIntervalSince1970 ?? 0, instance.id))

        attachScratch(index, label: idLabel, instance: instance)
        if let nameLabel, tagName != nil, assemble([nameLabel]) {
            if let tagNode = attachScratch(index, label: nameLabel, instance: instance) { isTagNode[tagNode] = true }
            let regionLabel = InstanceNaming.labelBytes(forNameTag: instance.region) ?? Array("unknown".utf8)
            if assemble([nameLabel, regionLabel]) {
                attachScratch(index, label: nameLabel + [UInt8(ascii: ".")] + regionLabel, instance: instance)
            }
        }
        addReverse(index, instance: instance)
        return true
    }

    /// `labels` under the apex, in the apex's own spelling, as the target of PTR records.
    private func canonicalName(_ label: [UInt8]) -> DNSName? {
        try? settings.origin.prepending(label: label)
    }

    /// Writes `labels` (already lower case) under the apex into `scratch` as a wire-form key; false when a label
    /// or the whole name is too long.
    private mutating func assemble(_ labels: [[UInt8]]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        for label in labels {
            guard !label.isEmpty, label.count <= DNSName.maxLabelLength else { return false }
            scratch.append(UInt8(label.count))
            scratch.append(contentsOf: label)
        }
        scratch.append(contentsOf: apexKey)
        return scratch.count <= DNSName.maxWireLength
    }

    /// Puts the instance under the name in `scratch`; returns its node, or nil when the name is the zone's name
    /// server (then the instance is not served under it, and that is reported).
    @discardableResult
    private mutating func attachScratch(_ index: Int32, label: [UInt8], instance: Instance) -> Int? {
        let key = scratch
        return key.withUnsafeBytes { key in
            let node = Int(node(key, kind: .instances))
            if kinds[node] == .nameserver {
                problems.append(
                    NamingProblem(
                        kind: .shadowedName, name: String(decoding: label, as: UTF8.self), instanceIDs: [instance.id],
                        detail: "the name is the zone's name server (\(settings.nameserver)); the instance is not served under it"))
                return nil
            }
            lists[node].append(index)
            addEmptyNonTerminals(above: key)
            return node
        }
    }

    /// Names between the apex and `key` exist even without records of their own (RFC 8020): `us-east-1.ec2`
    /// when only `web-1.us-east-1.ec2` has data.
    private mutating func addEmptyNonTerminals(above key: UnsafeRawBufferPointer) {
        var start = Int(key[0]) + 1
        while key.count - start > apexKey.count {
            _ = node(UnsafeRawBufferPointer(rebasing: key[start...]), kind: .instances)
            start += Int(key[start]) + 1
        }
    }

    private mutating func ipv4Address(for instance: Instance, label: [UInt8]) -> IPv4Address? {
        guard let text = settings.addressMode.ipv4(of: instance) else {
            if instance.ipv6.isEmpty {
                problems.append(
                    NamingProblem(
                        kind: .noAddress, name: String(decoding: label, as: UTF8.self), instanceIDs: [instance.id],
                        detail: "no \(settings.addressMode.rawValue) IPv4 address and no IPv6 address"))
            }
            return nil
        }
        guard let address = IPv4Address(text) else {
            reportUnusable(text, of: instance, label: label)
            return nil
        }
        return address
    }

    private mutating func ipv6Addresses(for instance: Instance, label: [UInt8]) -> [IPv6Address] {
        guard !instance.ipv6.isEmpty else { return [] }
        return instance.ipv6.compactMap { text in
            guard let address = IPv6Address(text) else {
                reportUnusable(text, of: instance, label: label)
                return nil
            }
            return address
        }
    }

    private mutating func reportUnusable(_ text: String, of instance: Instance, label: [UInt8]) {
        problems.append(
            NamingProblem(
                kind: .unusableAddress, name: String(decoding: label, as: UTF8.self), instanceIDs: [instance.id],
                detail: "\"\(text)\" is not an IP address"))
    }

    /// Every address of the instance, each once, points back at it.
    private mutating func addReverse(_ index: Int32, instance: Instance) {
        let first = reverseV4.count
        for text in instance.privateIPv4 {
            if let address = IPv4Address(text), !reverseV4[first...].contains(where: { $0.0 == address.value }) {
                reverseV4.append((address.value, index))
            }
        }
        if let text = instance.publicIPv4, let address = IPv4Address(text),
            !reverseV4[first...].contains(where: { $0.0 == address.value })
        {
            reverseV4.append((address.value, index))
        }
        let firstV6 = reverseV6.count
        for text in instance.ipv6 {
            if let address = IPv6Address(text), !reverseV6[firstV6...].contains(where: { $0.0 == address.value }) {
                reverseV6.append((address.value, index))
            }
        }
    }
}

extension IndexList {
    /// Sorts the entries in place.
    mutating func sort(by precedes: (Int32, Int32) -> Bool) {
        self = IndexList(Array(self).sorted(by: precedes))
    }

    init(_ entries: [Int32]) {
        self.init()
        for entry in entries { append(entry) }
    }
}
