import DNSWire
import FednsSupport
import Foundation
import Inventory

/// Every name the zone gives instances, each owned by the form of highest precedence that makes it (`NameForm`),
/// with the instances behind it in member order (launch time, then instance id).
///
/// The zone compiles its answers from one, and the companion commands resolve what people type with another built
/// from the same options, so `dig 2.web.role.ec2`, `ec2host 2.web.role` and `ec2ssh 2.web.role` agree by
/// construction. Names are lower-cased wire names in a `NameTable`; building is linear in the number of names, makes
/// one pass over the instances (on two threads from `twoThreadMinimum` of them), and allocates little beyond the
/// table and one flat buffer of keys per form.
public struct NameIndex: Sendable {
    /// The instances that have names (those in the configured states), in member order; indexes refer to these.
    public let instances: MemberInstances
    /// The labels of each instance, index for index.
    public let labels: [InstanceLabels]
    /// Problems found while naming, for logs and `fedns instances --problems`.
    public let problems: [NamingProblem]
    /// Every name (the apex, the name server, instance names, empty non-terminals), lower-cased wire form.
    let table: NameTable
    /// Per name: the `NameForm` raw value that owns it, 0 for an empty non-terminal.
    let forms: [UInt8]
    /// Per name: where its instances start in `members`, and how many there are.
    let firsts: [Int32]
    let counts: [Int32]
    let members: [Int32]
    /// The zone apex, lower-cased wire form.
    let apexKey: [UInt8]
    /// The node of the in-zone name server, if it lies inside the zone (the apex is always node 0).
    let nameserverNode: Int32?

    /// Below this many instances naming's pass stays on one thread: a thread costs tens of microseconds, a pass
    /// over 10,000 instances about 15 ms.
    static let twoThreadMinimum = 10_000

    /// Names `instances` under `options` (its apex, name server, states and naming tags). `states` overrides the
    /// configured states: the companion commands also look among stopped instances, to say that a name is stopped.
    public init(instances: [Instance], options: ZoneOptions, states: Set<String>? = nil) {
        var nothing = NoVisitor()
        self.init(instances: instances, options: options, states: states, visitor: &nothing)
    }

    /// As above; `visitor` also sees every member during the one pass that naming makes over them, so that the
    /// zone builds its records without a second pass over the instances.
    init<Visitor: MemberVisitor>(
        instances: [Instance], options: ZoneOptions, states: Set<String>? = nil, visitor: inout Visitor,
        twoThreadsFrom: Int = twoThreadMinimum
    ) {
        var builder = Builder(options: options)
        let order = Self.servable(instances, states: states ?? options.states, problems: &builder.problems)
        let served = MemberInstances(all: instances, order: order)
        labels = builder.add(served, visitor: &visitor, twoThreadsFrom: twoThreadsFrom)
        self.instances = served
        apexKey = builder.apexKey
        nameserverNode = builder.nameserverNode
        problems = builder.problems
        (table, forms, firsts, counts, members) = builder.finish()
    }

    /// Where the instances in `states` are in `instances`, in member order: launch time, then instance id (missing
    /// launch times first). This order numbers the members of a set (`N.NAME`) and lists candidates, so it must not
    /// depend on API order. Instances are only read here, field by field: none is copied.
    static func servable(_ instances: [Instance], states: Set<String>, problems: inout [NamingProblem]) -> [Int32] {
        var keyed: [(launched: Double, index: Int32)] = []
        keyed.reserveCapacity(instances.count)
        for index in instances.indices where states.contains(instances[index].state) {
            guard InstanceNaming.idLabel(of: instances[index]).utf8.count <= DNSName.maxLabelLength else {
                let id = instances[index].id
                problems.append(
                    NamingProblem(
                        kind: .unusableAddress, name: id, instanceIDs: [id], detail: "instance id cannot be used as a DNS label"))
                continue
            }
            keyed.append((instances[index].launchTime?.timeIntervalSince1970 ?? -.infinity, Int32(index)))
        }
        keyed.sort { lhs, rhs in
            lhs.launched != rhs.launched ? lhs.launched < rhs.launched : instances[Int(lhs.index)].id < instances[Int(rhs.index)].id
        }
        return keyed.map(\.index)
    }

    /// Whether `lhs` comes before `rhs` in member order.
    public static func memberOrder(_ lhs: Instance, _ rhs: Instance) -> Bool {
        (lhs.launchTime?.timeIntervalSince1970 ?? -.infinity, lhs.id) < (rhs.launchTime?.timeIntervalSince1970 ?? -.infinity, rhs.id)
    }

    var nodeCount: Int { forms.count }

    func form(ofNode node: Int32) -> NameForm? { NameForm(rawValue: forms[Int(node)]) }

    func members(ofNode node: Int32) -> ArraySlice<Int32> {
        let first = Int(firsts[Int(node)])
        return members[first..<(first + Int(counts[Int(node)]))]
    }
}

// MARK: - What a typed name means

extension NameIndex {
    /// What a name names.
    public enum Match: Sendable, Equatable {
        /// Instances, under the form that owns the name.
        case instances(NameForm, [Instance])
        /// The zone's apex or its name server: not an instance.
        case reserved
        /// No such name (or one with nothing under it, such as `REGION` alone).
        case none
    }

    /// What `typed` names: a name relative to the zone (`web-1`, `2.web.role`) or ending in it (`web-1.ec2`), in
    /// any case, with or without a trailing dot.
    public func match(_ typed: String) -> Match {
        guard let node = node(typed) else { return .none }
        switch form(ofNode: node) {
        case .reserved: return .reserved
        case nil: return .none
        case let form?: return .instances(form, members(ofNode: node).map { instances[Int($0)] })
        }
    }

    /// The node of a typed name, if the name exists.
    func node(_ typed: String) -> Int32? {
        guard let key = Self.key(typed, apexKey: apexKey) else { return nil }
        return table.find(key)
    }

    /// A typed name as a lower-cased wire key under the apex (`web.ec2`, `web.ec2.` and `web` are one name).
    static func key(_ typed: String, apexKey: [UInt8]) -> [UInt8]? {
        var text = Substring(typed)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty else { return nil }
        var labels: [[UInt8]] = []
        for label in text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= DNSName.maxLabelLength else { return nil }
            labels.append(label.map(asciiLowercase))
        }
        // Written with the zone (`web.ec2`): its labels are the apex, added below.
        let apexLabels = NameIndex.labels(ofKey: apexKey[...])
        if !apexLabels.isEmpty, labels.count >= apexLabels.count, Array(labels.suffix(apexLabels.count)) == apexLabels {
            labels.removeLast(apexLabels.count)
        }
        var key: [UInt8] = []
        for label in labels {
            key.append(UInt8(label.count))
            key += label
        }
        key += apexKey
        return key.count <= DNSName.maxWireLength ? key : nil
    }

    /// The labels of a wire-form key.
    static func labels(ofKey key: ArraySlice<UInt8>) -> [[UInt8]] {
        var labels: [[UInt8]] = []
        var index = key.startIndex
        while index < key.endIndex {
            let length = Int(key[index])
            guard length > 0, index + 1 + length <= key.endIndex else { break }
            labels.append(Array(key[(index + 1)...(index + length)]))
            index += 1 + length
        }
        return labels
    }

    /// Every name of the given forms, relative to the zone (`web-1`, `web.role`), sorted: for shell completion.
    public func names(of wanted: Set<NameForm>) -> [String] {
        var result: [String] = []
        for node in 0..<Int32(nodeCount) {
            guard let form = form(ofNode: node), wanted.contains(form) else { continue }
            result.append(Self.text(ofKey: table.key(at: node).dropLast(apexKey.count)))
        }
        return result.sorted()
    }

    /// Dot-separated text of wire-form labels.
    static func text(ofKey key: ArraySlice<UInt8>) -> String {
        labels(ofKey: key).map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    /// For every instance (by index), the names that name only it (a name shared with other instances cannot stand
    /// for one host), relative to the zone, in precedence order of their forms: for `ssh_config` `Host` lines.
    public func uniqueNamesByInstance() -> [[String]] {
        var byInstance = Array(repeating: [(NameForm, String)](), count: instances.count)
        for node in 0..<Int32(nodeCount) where counts[Int(node)] == 1 {
            guard let form = form(ofNode: node), form != .reserved else { continue }
            let member = Int(members[Int(firsts[Int(node)])])
            byInstance[member].append((form, Self.text(ofKey: table.key(at: node).dropLast(apexKey.count))))
        }
        return byInstance.map { names in names.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.1) }
    }

    /// A typed name relative to the zone, lower case, without a trailing dot (`Web-1.EC2.` is `web-1`).
    public static func relative(_ typed: String, options: ZoneOptions) -> String {
        var text = typed.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        let zone = options.zoneText
        if !zone.isEmpty, text.hasSuffix(".\(zone)") { text.removeLast(zone.count + 1) }
        return text
    }

    /// What a running server must send a command for `typed`, so that the command's own index over just those
    /// instances gives the same answer as one over all of them: every instance that has `typed` as one of its own
    /// names, in any form and whatever its state, and, when `typed` starts with a member number, every member of the
    /// set the rest names (the numbering needs the whole set).
    public static func mayMean(_ typed: String, options: ZoneOptions) -> @Sendable (Instance) -> Bool {
        let text = relative(typed, options: options)
        var names: Set<String> = [text]
        if let dot = text.firstIndex(of: "."), InstanceNaming.number(inLabel: text[..<dot]) != nil {
            names.insert(String(text[text.index(after: dot)...]))
        }
        let wanted = names
        let naming = options.naming
        return { instance in
            let labels = InstanceLabels(instance, options: naming)
            var found = false
            for form in NameForm.allCases where !found {
                labels.forEachName(form) { first, second, third in
                    var name = first
                    if let second { name += "." + second }
                    if let third { name += "." + third }
                    if wanted.contains(name) { found = true }
                }
            }
            return found
        }
    }
}

// MARK: - Building

extension NameIndex {
    struct Builder {
        let options: ZoneOptions
        let apexKey: [UInt8]
        var nameserverNode: Int32?
        var problems: [NamingProblem] = []
        private var table = NameTable()
        private var forms: [UInt8] = []
        private var lists: [IndexList] = []
        /// Names lost to a form of higher precedence: name -> (the form that owns it, the form lost, instance ids).
        private var shadowed: [String: (owner: NameForm, lost: NameForm, ids: [String])] = [:]

        /// The forms an instance has by itself, in precedence order (the numbered ones come from the sets after).
        static let ownForms: [NameForm] = [.instanceID, .name, .nameInRegion, .group, .groupInRegion]

        init(options: ZoneOptions) {
            self.options = options
            apexKey = options.origin.lowercased().wire
            _ = claimReserved(apexKey)
            if options.nameserver.isSubdomain(of: options.origin) && options.nameserver != options.origin {
                nameserverNode = claimReserved(options.nameserver.lowercased().wire)
            }
        }

        private mutating func claimReserved(_ key: [UInt8]) -> Int32 {
            let node = self.node(key)
            forms[Int(node)] = NameForm.reserved.rawValue
            addEmptyNonTerminals(above: key)
            return node
        }

        /// Names `instances` (servable, in member order), form by form in precedence order, so that the first form to
        /// claim a name keeps it. Returns the instances' labels.
        mutating func add<Visitor: MemberVisitor>(
            _ instances: MemberInstances, visitor: inout Visitor, twoThreadsFrom: Int
        ) -> [InstanceLabels] {
            let naming = options.naming
            // Each instance has an id, usually a NAME, NAME.REGION and 1.NAME, and per group three names more.
            let perInstance = 4 + 3 * naming.groups.count
            table.reserve(instances.count * perInstance + 64, averageLength: 24)
            forms.reserveCapacity(instances.count * perInstance + 64)
            lists.reserveCapacity(instances.count * perInstance + 64)
            // One pass over the instances writes every name they have by themselves, per form; the claims then read
            // those keys in order. Passes over the instances themselves are what cost (their strings are scattered
            // in memory, and each label read retains one), so there is one, not one per form; for a large inventory
            // its second half runs on a second thread, with a visitor of its own.
            let apexKey = apexKey
            var parts: [Pass] = []
            // Each thread writes its members' labels straight into the result: concatenating two arrays would copy
            // every label (retaining its strings) and release the halves.
            let labels = [InstanceLabels](unsafeUninitializedCapacity: instances.count) { buffer, initialized in
                if instances.count >= twoThreadsFrom {
                    let middle = instances.count / 2
                    let later = visitor.emptyCopy()
                    let laterLabels = UncheckedSendable(buffer)
                    let (first, (second, laterVisited)) = SecondThread.run {
                        Pass(instances, 0..<middle, naming: naming, apexKey: apexKey, labels: buffer, visitor: &visitor)
                    } alongside: {
                        // Reserved here, on the copy this thread owns: room reserved in the captured value would be
                        // dropped by the copy that the first write to a shared array makes.
                        var visitor = later
                        visitor.reserve(instances: instances.count - middle)
                        let range = middle..<instances.count
                        let pass = Pass(instances, range, naming: naming, apexKey: apexKey, labels: laterLabels.value, visitor: &visitor)
                        return (pass, visitor)
                    }
                    visitor.append(laterVisited)
                    parts = [first, second]
                } else {
                    parts = [Pass(instances, 0..<instances.count, naming: naming, apexKey: apexKey, labels: buffer, visitor: &visitor)]
                }
                initialized = instances.count
            }
            for (slot, form) in Self.ownForms.enumerated() {
                for part in parts {
                    part.pending[slot].forEach { key, hash, instance, hashAhead in
                        if let hashAhead { table.prefetch(hash: hashAhead) }
                        claim(form, instance: instance, key: key, hash: hash, instances: instances)
                    }
                }
            }
            // The numbered names of every set a NAME or VALUE.LABEL owns, counting in member order: all written
            // first (reading the sets' own keys while the table does not change), then claimed in that order.
            var numbered = PendingKeys(capacity: instances.count)
            var numberedForms: [NameForm] = []
            numberedForms.reserveCapacity(instances.count)
            for node in 0..<Int32(forms.count) {
                guard let form = NameForm(rawValue: forms[Int(node)])?.numbered else { continue }
                let parent = table.key(at: node)
                let list = lists[Int(node)]
                for position in 0..<list.count {
                    guard numbered.append(number: position + 1, under: parent, instance: list[position]) else { break }
                    numberedForms.append(form)
                }
            }
            var next = 0
            numbered.forEach { key, hash, instance, hashAhead in
                if let hashAhead { table.prefetch(hash: hashAhead) }
                claim(numberedForms[next], instance: instance, key: key, hash: hash, instances: instances)
                next += 1
            }
            reportUnusedTags(labels)
            reportDuplicates(instances)
            for (name, lost) in shadowed.sorted(by: { $0.key < $1.key }) {
                problems.append(
                    NamingProblem(
                        kind: .shadowedName, name: name, instanceIDs: lost.ids,
                        detail: lost.owner == .reserved
                            ? "the name is the zone's name server (\(options.nameserver)); the instance is not served under it"
                            : "read as \(lost.owner), which comes before \(lost.lost); the instance is not served under it"))
            }
            return labels
        }

        /// The table and the flattened lists, for the index.
        func finish() -> (NameTable, [UInt8], [Int32], [Int32], [Int32]) {
            var firsts: [Int32] = []
            var counts: [Int32] = []
            var members: [Int32] = []
            firsts.reserveCapacity(lists.count)
            counts.reserveCapacity(lists.count)
            members.reserveCapacity(lists.reduce(0) { $0 + $1.count })
            for list in lists {
                firsts.append(Int32(members.count))
                counts.append(Int32(list.count))
                members.append(contentsOf: list)
            }
            return (table, forms, firsts, counts, members)
        }

        /// The node of `key`, made (as an empty non-terminal) when new.
        private mutating func node(_ key: UnsafeRawBufferPointer, hash: UInt32? = nil) -> Int32 {
            let index = hash.map { table.insert(key, hash: $0) } ?? table.insert(key)
            if Int(index) == forms.count {
                forms.append(0)
                lists.append(IndexList())
            }
            return index
        }

        private mutating func node(_ key: [UInt8]) -> Int32 {
            key.withUnsafeBytes { node($0) }
        }

        /// Gives the name `key` to an instance, unless a form of higher precedence owns it.
        private mutating func claim(
            _ form: NameForm, instance: Int32, key: UnsafeRawBufferPointer, hash: UInt32, instances: MemberInstances
        ) {
            let node = self.node(key, hash: hash)
            let owner = forms[Int(node)]
            if owner == 0 {
                forms[Int(node)] = form.rawValue
                lists[Int(node)].append(instance)
                // A numbered name's parent is its set's own name, which exists; other forms may need theirs.
                if form != .nthOfName && form != .nthOfGroup { addEmptyNonTerminals(above: key) }
            } else if owner == form.rawValue {
                lists[Int(node)].append(instance)
            } else {
                let name = NameIndex.text(ofKey: ArraySlice(key).dropLast(apexKey.count))
                let ownerForm = NameForm(rawValue: owner) ?? .reserved
                shadowed[name, default: (ownerForm, form, [])].ids.append(instances[Int(instance)].id)
            }
        }

        /// Names between the apex and `key` exist even without records of their own (RFC 8020): `us-east-1.ec2`
        /// when only `web-1.us-east-1.ec2` has data.
        private mutating func addEmptyNonTerminals(above key: UnsafeRawBufferPointer) {
            guard !key.isEmpty else { return }
            var start = Int(key[0]) + 1
            while key.count - start > apexKey.count {
                _ = node(UnsafeRawBufferPointer(rebasing: key[start...]))
                start += Int(key[start]) + 1
            }
        }

        private mutating func addEmptyNonTerminals(above key: [UInt8]) {
            key.withUnsafeBytes { addEmptyNonTerminals(above: $0) }
        }

        /// A name tag or group tag that no instance carries is most likely misspelt: say so, naming the key.
        private mutating func reportUnusedTags(_ labels: [InstanceLabels]) {
            guard !labels.isEmpty else { return }
            let naming = options.naming
            if naming.nameTag != "Name", !labels.contains(where: { $0.name != nil }) {
                problems.append(
                    NamingProblem(
                        kind: .unusedTag, name: naming.nameTag, instanceIDs: [],
                        detail: "no instance has the tag \"\(naming.nameTag)\" ([dns] name_tag); instances are named by id only"))
            }
            for group in naming.groups where !labels.contains(where: { $0.groups.contains { $0.label == group.label } }) {
                problems.append(
                    NamingProblem(
                        kind: .unusedTag, name: group.label, instanceIDs: [],
                        detail: "no instance has the tag \"\(group.tagKey)\" ([dns] groups.\(group.label)); VALUE.\(group.label) names nothing"))
            }
        }

        /// Several instances under one NAME: it answers with all of them, which is worth knowing.
        private mutating func reportDuplicates(_ instances: MemberInstances) {
            var duplicates: [NamingProblem] = []
            for node in 0..<Int32(forms.count) where forms[Int(node)] == NameForm.name.rawValue && lists[Int(node)].count > 1 {
                let ids = lists[Int(node)].map { instances[Int($0)].id }
                duplicates.append(
                    NamingProblem(
                        kind: .duplicateName, name: NameIndex.text(ofKey: table.key(at: node).dropLast(apexKey.count)),
                        instanceIDs: ids,
                        detail: "\(ids.count) instances share this name; it answers with all of their addresses (1.NAME, 2.NAME, … each name one)"))
            }
            problems += duplicates.sorted { $0.name < $1.name }
        }
    }
}

/// The keys of one form's names, written one after another with the instance each names: what `NameIndex.Builder`
/// claims from, in order, after its one pass over the instances.
private struct PendingKeys {
    private var bytes: [UInt8] = []
    /// Where each key ends in `bytes` (it starts where the one before ends), and the instance it names.
    private var ends: [Int32] = []
    private var instances: [Int32] = []
    /// Each key's `NameTable.hash`, computed while writing it (on the thread that writes it).
    private var hashes: [UInt32] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity * 28)
        ends.reserveCapacity(capacity)
        instances.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
    }

    /// Ends the key that started at `start`.
    private mutating func finishKey(from start: Int, instance: Int32) {
        hashes.append(bytes.withUnsafeBytes { NameTable.hash(UnsafeRawBufferPointer(rebasing: $0[start...])) })
        ends.append(Int32(bytes.count))
        instances.append(instance)
    }

    /// Adds `first.second.third` (the labels present) under the apex, unless a label is empty or too long, or the
    /// whole name is: such a name does not exist.
    mutating func append(_ first: String, _ second: String?, _ third: String?, apexKey: [UInt8], instance: Int32) {
        let start = bytes.count
        guard appendLabel(first), second.map({ appendLabel($0) }) ?? true, third.map({ appendLabel($0) }) ?? true,
            bytes.count - start + apexKey.count <= DNSName.maxWireLength
        else {
            bytes.removeLast(bytes.count - start)
            return
        }
        bytes.append(contentsOf: apexKey)
        finishKey(from: start, instance: instance)
    }

    /// Adds `number` as a label in front of `parent` (a set's name, with the apex), unless the name would be too
    /// long (then false: larger numbers would be too).
    mutating func append(number: Int, under parent: ArraySlice<UInt8>, instance: Int32) -> Bool {
        var digits = 1
        var power = 10
        while number >= power {
            digits += 1
            power *= 10
        }
        guard 1 + digits + parent.count <= DNSName.maxWireLength else { return false }
        let start = bytes.count
        bytes.append(UInt8(digits))
        while power > 1 {
            power /= 10
            bytes.append(UInt8(ascii: "0") + UInt8(number / power % 10))
        }
        bytes.append(contentsOf: parent)
        finishKey(from: start, instance: instance)
        return true
    }

    /// Labels come lower-cased from `InstanceLabels` (and the configuration), so they are copied as they are.
    private mutating func appendLabel(_ label: String) -> Bool {
        let count = label.utf8.count
        guard count > 0, count <= DNSName.maxLabelLength else { return false }
        bytes.append(UInt8(count))
        bytes.appendUTF8(label)
        return true
    }

    /// Every key with its hash and instance, in the order added, and the hash of the key a few places ahead (if
    /// any): `body` inserts into a large table, and prefetching that key's slot lets its cache miss overlap the
    /// work on the keys before it.
    func forEach(_ body: (_ key: UnsafeRawBufferPointer, _ hash: UInt32, _ instance: Int32, _ hashAhead: UInt32?) -> Void) {
        let ahead = 8
        bytes.withUnsafeBytes { bytes in
            var start = 0
            for index in ends.indices {
                let end = Int(ends[index])
                let hashAhead = index + ahead < hashes.count ? hashes[index + ahead] : nil
                body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), hashes[index], instances[index], hashAhead)
                start = end
            }
        }
    }
}

/// Naming's pass over a range of members: it writes their labels into `labels` (at their positions) and keeps the
/// keys of the names they have by themselves per form (in `NameIndex.Builder.ownForms` order), for the claims that
/// follow.
private struct Pass {
    var pending: [PendingKeys]

    init<Visitor: MemberVisitor>(
        _ instances: MemberInstances, _ range: Range<Int>, naming: NamingOptions, apexKey: [UInt8],
        labels: UnsafeMutableBufferPointer<InstanceLabels>, visitor: inout Visitor
    ) {
        var pending = NameIndex.Builder.ownForms.map { _ in PendingKeys(capacity: range.count) }
        instances.forEachBorrowed(in: range) { position, instance in
            let made = InstanceLabels(instance, options: naming)
            for (slot, form) in NameIndex.Builder.ownForms.enumerated() {
                made.forEachName(form) { first, second, third in
                    pending[slot].append(first, second, third, apexKey: apexKey, instance: Int32(position))
                }
            }
            visitor.visit(Int32(position), instance, made)
            (labels.baseAddress! + position).initialize(to: made)
        }
        self.pending = pending
    }
}

/// What else is done for every member during naming's pass over them (the zone builds their records). For a large
/// inventory the pass runs on two threads: the second gets an `emptyCopy` for the later members, whose work is
/// then `append`ed to the first's, so the result is in member order as from one thread.
protocol MemberVisitor {
    mutating func visit(_ position: Int32, _ instance: Instance, _ labels: InstanceLabels)
    /// A visitor with nothing done yet, for later members (visited on another thread).
    func emptyCopy() -> Self
    /// Makes room for `count` members' work.
    mutating func reserve(instances count: Int)
    /// Takes over what `later`, an empty copy given the later members, has done.
    mutating func append(_ later: Self)
}

/// The visitor of a plain index (the companion commands'): nothing to do.
struct NoVisitor: MemberVisitor {
    func visit(_ position: Int32, _ instance: Instance, _ labels: InstanceLabels) {}
    func emptyCopy() -> NoVisitor { self }
    func reserve(instances count: Int) {}
    func append(_ later: NoVisitor) {}
}
