import EC2Zone
import Foundation
import Inventory

/// Turns what a person typed (`web-1`, `web-1.eu-west-1`, `i-0abc…`, each optionally ending in `.ec2`) into
/// instances, with exactly the DNS zone's naming rules, so `ec2ssh web-1` and `ssh web-1.ec2` reach the same host.
public struct InstanceResolver: Sendable {
    public enum Resolution: Sendable, Equatable {
        /// One usable instance.
        case found(Instance)
        /// Several running instances answer to the name; the person must pick.
        case ambiguous([Instance])
        /// The name exists, but no instance with it is running.
        case notRunning([Instance])
        /// Nothing by that name; close names, if any.
        case notFound(suggestions: [String])
    }

    public let instances: [Instance]
    /// The zone name people may append (`web-1.ec2`).
    public let zone: String

    /// `zone` may be given as the configuration spells it or as a DNS name (`ec2.`).
    public init(instances: [Instance], zone: String = "ec2") {
        self.instances = instances
        let lowered = zone.lowercased()
        self.zone = lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }

    /// One way to read a typed name: an instance id or a name as the zone spells it, in `region` if given.
    public struct Reading: Sendable, Hashable {
        public var name: String
        public var region: String?
    }

    /// The ways the zone's rules read `typed` (lower-cased, without a trailing dot or the zone): as an id or a
    /// name, then, when it has a dot, as NAME.REGION. A running fedns is asked for exactly these.
    public func readings(of typed: String) -> [Reading] {
        var text = typed.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        if text.hasSuffix(".\(zone)") { text.removeLast(zone.count + 1) }
        guard let dot = text.lastIndex(of: ".") else { return [Reading(name: text)] }
        return [Reading(name: text), Reading(name: String(text[..<dot]), region: String(text[text.index(after: dot)...]))]
    }

    public func resolve(_ typed: String) -> Resolution {
        let readings = readings(of: typed)
        let matches = candidates(for: readings)
        guard !matches.isEmpty else { return .notFound(suggestions: suggestions(for: readings[0].name)) }
        let running = matches.filter { $0.state == "running" }
        switch running.count {
        case 0: return .notRunning(matches.sorted(by: Self.order))
        case 1: return .found(running[0])
        default: return .ambiguous(running.sorted(by: Self.order))
        }
    }

    /// Oldest first, so `--pick 1` keeps meaning the same instance while new ones launch.
    static func order(_ lhs: Instance, _ rhs: Instance) -> Bool {
        ((lhs.launchTime ?? .distantPast), lhs.id) < ((rhs.launchTime ?? .distantPast), rhs.id)
    }

    /// The same inventory with `instance` in place of the instance with its id (after `--start` changed it).
    public func replacing(_ instance: Instance) -> InstanceResolver {
        InstanceResolver(instances: instances.map { $0.id == instance.id ? instance : $0 }, zone: zone)
    }

    /// An id first, then a name, then NAME.REGION (the part after the last dot must be a region the inventory knows).
    private func candidates(for readings: [Reading]) -> [Instance] {
        let text = readings[0].name
        let byID = instances.filter { InstanceNaming.idLabel(of: $0) == text }
        if !byID.isEmpty { return byID }
        let byName = instances.filter { InstanceNaming.label(of: $0) == text }
        if !byName.isEmpty { return byName }
        guard readings.count > 1, let region = readings[1].region else { return [] }
        return instances.filter {
            InstanceNaming.label(of: $0) == readings[1].name && InstanceNaming.label(forNameTag: $0.region) == region
        }
    }

    /// Up to five known names close to what was typed: within two edits, or sharing a prefix of three or more.
    func suggestions(for text: String) -> [String] {
        let names = Set(instances.compactMap { InstanceNaming.label(of: $0) })
        let scored = names.compactMap { name -> (Int, String)? in
            let distance = editDistance(text, name, limit: 3)
            let sharesPrefix = text.count >= 3 && (name.hasPrefix(text) || text.hasPrefix(name))
            guard distance <= 2 || sharesPrefix else { return nil }
            return (sharesPrefix ? min(distance, 1) : distance, name)
        }
        return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(5).map(\.1)
    }
}

extension InstanceResolver {
    /// The instance a typed name stands for, or the error to show: several running instances are resolved by
    /// `duplicates` (or refused with the numbered candidates), a name whose instances are all stopped says so, an
    /// unknown name suggests close ones. `startHint` is the command that could start a stopped instance.
    public func select(_ typed: String, duplicates: DuplicatePolicy, startHint: String? = nil) throws(CompanionError) -> Instance {
        let candidates = try selectAll(typed, duplicates: duplicates, startHint: startHint)
        if candidates.count == 1 { return candidates[0] }
        throw CompanionError(
            .ambiguous,
            "\(candidates.count) running instances are called \(typed); pick one with --pick N, --first or --random, or use an instance id:\n"
                + InventoryTable.render(candidates, numbered: true), instances: candidates, name: typed)
    }

    /// Like `select`, but an ambiguous name with the `.refuse` policy gives every running candidate (oldest first)
    /// instead of an error: for listing addresses, where all of them is a fine answer.
    public func selectAll(_ typed: String, duplicates: DuplicatePolicy, startHint: String? = nil) throws(CompanionError) -> [Instance] {
        switch resolve(typed) {
        case .found(let instance):
            return [instance]
        case .ambiguous(let candidates):
            if duplicates == .refuse { return candidates }
            if let chosen = duplicates.choose(from: candidates) { return [chosen] }
            throw CompanionError(
                .ambiguous,
                "\(duplicates) is out of range: \(candidates.count) running instances are called \(typed):\n"
                    + InventoryTable.render(candidates, numbered: true), instances: candidates, name: typed)
        case .notRunning(let candidates):
            let states = Set(candidates.map(\.state)).sorted().joined(separator: "/")
            let hint = startHint.map { " (\($0) --start \(typed) starts it and waits until ssh answers)" } ?? ""
            throw CompanionError(
                .notRunning, "\(typed) is \(states), not running\(hint):\n" + InventoryTable.render(candidates, numbered: true),
                instances: candidates, name: typed)
        case .notFound(let suggestions):
            let hint = suggestions.isEmpty ? "; ec2host lists the instances" : "; did you mean \(suggestions.joined(separator: ", "))?"
            throw CompanionError(.notFound, "no EC2 instance is called \(typed)\(hint)", name: typed)
        }
    }
}

/// Levenshtein distance, giving up once it exceeds `limit` (enough for suggestions, cheap on long names).
func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        if current.min() ?? 0 > limit { return limit + 1 }
        previous = current
    }
    return previous[b.count]
}

/// Which address to connect to.
public enum AddressChoice: String, Sendable, CaseIterable {
    /// The public IPv4 when there is one, else the private IPv4 (the DNS zone's `auto`).
    case auto
    case `private`
    case `public`
    case ipv6

    public func address(of instance: Instance) -> String? {
        switch self {
        case .auto: return AddressMode.auto.ipv4(of: instance)
        case .private: return AddressMode.private.ipv4(of: instance)
        case .public: return AddressMode.public.ipv4(of: instance)
        case .ipv6: return instance.ipv6.first
        }
    }

    /// The address, or an error naming the choices that would work for this instance.
    public func requireAddress(of instance: Instance, typed: String) throws(CompanionError) -> String {
        if let address = address(of: instance) { return address }
        let working = Self.allCases.filter { $0 != self && $0 != .auto && $0.address(of: instance) != nil }
        let advice = working.isEmpty ? "it has no address at all yet" : "try " + working.map { "--\($0.rawValue)" }.joined(separator: " or ")
        throw CompanionError(.noAddress, "\(typed) (\(instance.id)) has no \(kind) address; \(advice)", instances: [instance])
    }

    /// What the choice picks, for messages.
    var kind: String {
        switch self {
        case .auto: return "IPv4"
        case .private: return "private IPv4"
        case .public: return "public IPv4"
        case .ipv6: return "IPv6"
        }
    }
}

/// How to choose among several instances with one name.
public enum DuplicatePolicy: Sendable, Equatable, CustomStringConvertible {
    /// Refuse and list the candidates (the default: never guess which host someone meant).
    case refuse
    case first
    case random
    /// 1-based, in the order the candidates are listed.
    case pick(Int)

    public func choose(from candidates: [Instance]) -> Instance? {
        switch self {
        case .refuse: return nil
        case .first: return candidates.first
        case .random: return candidates.randomElement()
        case .pick(let number): return candidates.indices.contains(number - 1) ? candidates[number - 1] : nil
        }
    }

    /// The option that asks for this policy.
    public var description: String {
        switch self {
        case .refuse: return "refusing"
        case .first: return "--first"
        case .random: return "--random"
        case .pick(let number): return "--pick \(number)"
        }
    }
}
