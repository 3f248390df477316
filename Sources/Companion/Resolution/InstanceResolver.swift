import EC2Zone
import Foundation
import Inventory

/// Turns what a person typed (`web-1`, `web-1.eu-west-1`, `i-0abc…`, `web.role`, `2.web`, each optionally ending in
/// `.ec2`) into instances with the DNS zone's own `NameIndex`, built from the same `[dns]` options, so `ec2ssh 2.web`
/// and `ssh 2.web.ec2` reach the same host by construction.
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
    /// The zone's options: its name (people may append `.ec2`), states and naming tags.
    public let options: ZoneOptions
    /// The names as the zone serves them (instances in the zone's states).
    private let served: NameIndex

    public init(instances: [Instance], options: ZoneOptions = ZoneOptions()) {
        self.instances = instances
        self.options = options
        served = NameIndex(instances: instances, options: options)
    }

    public func resolve(_ typed: String) -> Resolution {
        if case .instances(_, let matches) = served.match(typed), !matches.isEmpty {
            return Self.classify(matches)
        }
        // Not a name of the zone: a name of instances in other states (stopped ones, with the default states)? Only
        // those count: a name that counts stopped instances in (`3.app` with one of three stopped) means something
        // else among all instances than it would in the zone, and must not reach a running one.
        let everyState = NameIndex(instances: instances, options: options, states: Set(instances.map(\.state)))
        if case .instances(_, let matches) = everyState.match(typed) {
            let notRunning = matches.filter { $0.state != "running" }
            if !notRunning.isEmpty { return .notRunning(notRunning) }
        }
        return .notFound(suggestions: suggestions(for: typed, among: everyState))
    }

    /// Running ones are usable; several of them must be chosen among, none means the name is not running.
    private static func classify(_ matches: [Instance]) -> Resolution {
        let running = matches.filter { $0.state == "running" }
        switch running.count {
        case 0: return .notRunning(matches)
        case 1: return .found(running[0])
        default: return .ambiguous(running)
        }
    }

    /// The same inventory with `instance` in place of the instance with its id (after `--start` changed it).
    public func replacing(_ instance: Instance) -> InstanceResolver {
        InstanceResolver(instances: instances.map { $0.id == instance.id ? instance : $0 }, options: options)
    }

    /// Up to five known names close to what was typed: within two edits, or sharing a prefix of three or more.
    func suggestions(for typed: String, among index: NameIndex) -> [String] {
        let text = NameIndex.relative(typed, options: options)
        let names = index.names(of: [.name, .group])
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

    /// The choice that matches the zone's `[dns] address`.
    public init(_ mode: AddressMode) {
        switch mode {
        case .auto: self = .auto
        case .private: self = .private
        case .public: self = .public
        }
    }

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
