import DNSWire
import EC2Zone
import FednsSupport
import NIOCore
import ZoneTransfer

/// `[dns]`: the authoritative server and its zone.
public struct DNSConfig: Sendable, Hashable {
    public var enabled: Bool
    /// Each address gets a UDP and a TCP listener.
    public var listen: [SocketAddress]
    public var zone: ZoneOptions
    public var tcpIdleTimeout: Double
    public var tcpPartialMessageTimeout: Double
    public var tcpMaxConnections: Int
    /// Log every query (name, type, client, rcode) at info level.
    public var queryLog: Bool
    /// Event-loop threads serving DNS; 0 means one per CPU core.
    public var threads: Int
    /// `[dns.transfer]`: zone transfers to secondaries, NOTIFY and TSIG; nil when the section is absent.
    public var transfer: TransferOptions?

    public static let defaultListen = "127.0.0.1:5353"

    public init(
        enabled: Bool = true, listen: [SocketAddress], zone: ZoneOptions = ZoneOptions(), tcpIdleTimeout: Double = 10,
        tcpPartialMessageTimeout: Double = 2, tcpMaxConnections: Int = 512, queryLog: Bool = false, threads: Int = 0,
        transfer: TransferOptions? = nil
    ) {
        self.enabled = enabled
        self.listen = listen
        self.zone = zone
        self.tcpIdleTimeout = tcpIdleTimeout
        self.tcpPartialMessageTimeout = tcpPartialMessageTimeout
        self.tcpMaxConnections = tcpMaxConnections
        self.queryLog = queryLog
        self.threads = threads
        self.transfer = transfer
    }

    static func read(_ reader: inout TableReader, directory: String) throws(ConfigError) -> DNSConfig {
        let enabled = try reader.bool("enabled", default: true)
        let listenTexts = try reader.stringArray("listen") ?? [defaultListen]
        guard !listenTexts.isEmpty || !enabled else {
            throw reader.error("listen", "expected at least one address such as \"\(defaultListen)\"")
        }
        var listen: [SocketAddress] = []
        for (index, text) in listenTexts.enumerated() {
            guard let address = SocketAddress(hostPort: text) else {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("listen"))[\(index)]",
                    message: "expected an IP address and port such as \"127.0.0.1:5353\" or \"[::1]:5353\", found \"\(text)\"")
            }
            listen.append(address)
        }

        let zoneText = try reader.string("zone", default: "ec2")
        let origin: DNSName
        do {
            origin = try DNSName(zoneText)
        } catch {
            throw reader.error("zone", "expected a domain name such as \"ec2\", found \"\(zoneText)\" (\(error))")
        }
        guard !origin.isRoot else { throw reader.error("zone", "the root zone cannot be served; use a name such as \"ec2\"") }

        let ttl = try reader.integer("ttl", in: 0...86400, default: 60)
        let addressText = try reader.string("address", default: AddressMode.auto.rawValue)
        guard let addressMode = AddressMode(rawValue: addressText) else {
            throw reader.error("address", "expected \"auto\", \"private\" or \"public\", found \"\(addressText)\"")
        }
        let states = try reader.stringArray("states") ?? ["running"]
        let knownStates: Set<String> = ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"]
        for (index, state) in states.enumerated() where !knownStates.contains(state) {
            throw ConfigError(
                file: reader.file, key: "\(reader.key("states"))[\(index)]",
                message: "expected one of \(knownStates.sorted().joined(separator: ", ")), found \"\(state)\"")
        }
        let negativeTTL = try reader.integer("negative_ttl", in: 0...86400, default: 30)

        let nameserver = try reader.string("nameserver").map { text throws(ConfigError) -> DNSName in
            do { return try DNSName(text.contains(".") ? text : "\(text).\(zoneText)") } catch {
                throw reader.error("nameserver", "expected a host name, found \"\(text)\" (\(error))")
            }
        }
        let hostmaster = try reader.string("hostmaster").map { text throws(ConfigError) -> DNSName in
            do { return try DNSName(text.replacingFirst("@", with: ".")) } catch {
                throw reader.error("hostmaster", "expected a mailbox such as \"hostmaster.ec2\", found \"\(text)\"")
            }
        }
        var nameserverIPv4: [IPv4Address] = []
        var nameserverIPv6: [IPv6Address] = []
        if let texts = try reader.stringArray("nameserver_addresses") {
            for (index, text) in texts.enumerated() {
                if let v4 = IPv4Address(text) {
                    nameserverIPv4.append(v4)
                } else if let v6 = IPv6Address(text) {
                    nameserverIPv6.append(v6)
                } else {
                    throw ConfigError(
                        file: reader.file, key: "\(reader.key("nameserver_addresses"))[\(index)]",
                        message: "expected an IP address, found \"\(text)\"")
                }
            }
        } else {
            // By default the name server's addresses are the specific (non-wildcard) listen addresses.
            for address in listen {
                guard let ip = address.ipAddress else { continue }
                if let v4 = IPv4Address(ip), v4.value != 0 { nameserverIPv4.append(v4) }
                if let v6 = IPv6Address(ip), v6.bytes.contains(where: { $0 != 0 }) { nameserverIPv6.append(v6) }
            }
        }
        var reverseZones: [DNSName] = []
        for (index, text) in (try reader.stringArray("reverse_zones") ?? []).enumerated() {
            guard let name = try? DNSName(text), name.labelCount >= 2,
                name.isSubdomain(of: "in-addr.arpa.") || name.isSubdomain(of: "ip6.arpa.")
            else {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("reverse_zones"))[\(index)]",
                    message: "expected a zone under in-addr.arpa or ip6.arpa such as \"10.in-addr.arpa\", found \"\(text)\"")
            }
            reverseZones.append(name)
        }

        // The SOA's timers tell secondaries how often to check and how long to keep serving without fedns:
        // EXPIRE (two weeks) outlasts any outage of fedns or AWS a secondary should ride out.
        let refresh = try reader.integer("refresh", in: 60...604_800, default: 3600)
        let retry = try reader.integer("retry", in: 60...604_800, default: 600)
        let expire = try reader.integer("expire", in: 3600...2_419_200 * 2, default: 1_209_600)
        guard expire >= refresh + retry else {
            throw reader.error("expire", "expected at least refresh + retry (\(refresh + retry)), found \(expire)")
        }
        var transferReader = try reader.subtable("transfer")
        let transfer = try TransferOptions.read(&transferReader, directory: directory)

        let zone = ZoneOptions(
            origin: origin, ttl: UInt32(ttl), addressMode: addressMode, states: Set(states),
            negativeTTL: UInt32(negativeTTL), nameserver: nameserver, nameserverIPv4: nameserverIPv4,
            nameserverIPv6: nameserverIPv6, hostmaster: hostmaster, refresh: UInt32(refresh), retry: UInt32(retry),
            expire: UInt32(expire), extraReverseZones: reverseZones, naming: try readNaming(&reader, origin: origin))
        let config = DNSConfig(
            enabled: enabled, listen: listen, zone: zone,
            tcpIdleTimeout: try reader.seconds("tcp_idle_timeout", in: 0.1...3600, default: 10),
            tcpPartialMessageTimeout: try reader.seconds("tcp_partial_timeout", in: 0.1...60, default: 2),
            tcpMaxConnections: try reader.integer("tcp_max_connections", in: 1...100_000, default: 512),
            queryLog: try reader.bool("query_log", default: false),
            threads: try reader.integer("threads", in: 0...256, default: 0), transfer: transfer)
        try reader.rejectUnknownKeys()
        return config
    }
}

extension DNSConfig {
    /// `name_tag` and `groups`: which tags name instances.
    static func readNaming(_ reader: inout TableReader, origin: DNSName) throws(ConfigError) -> NamingOptions {
        let nameTag = try reader.string("name_tag", default: "Name")
        guard !nameTag.isEmpty, nameTag.utf8.count <= 128 else {
            throw reader.error("name_tag", "expected a tag key such as \"Name\" (1 to 128 characters), found \"\(nameTag)\"")
        }
        var groups: [GroupTag] = []
        let zoneLabels = Set(origin.labels.map { String(decoding: $0, as: UTF8.self).lowercased() })
        for (label, tagKey) in try reader.stringTable("groups") ?? [] {
            let key = "\(reader.key("groups")).\(label)"
            func fail(_ message: String) -> ConfigError { ConfigError(file: reader.file, key: key, message: message) }
            let lowered = label.lowercased()
            guard !lowered.isEmpty, lowered.utf8.count <= 63,
                lowered.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
            else {
                throw fail("a group label must be a DNS label (letters, digits and '-', at most 63), found \"\(label)\"")
            }
            guard !lowered.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw fail("the group label \"\(label)\" is a number, which would read as a member number (N.NAME); use a word")
            }
            guard !looksLikeRegionLabel(lowered) else {
                throw fail("the group label \"\(label)\" looks like a region, so VALUE.\(lowered) would read as NAME.REGION; use another label")
            }
            guard !zoneLabels.contains(lowered) else {
                throw fail("the group label \"\(label)\" is a label of the zone (\(origin)); use another label")
            }
            guard !groups.contains(where: { $0.label == lowered }) else {
                throw fail("the group label \"\(lowered)\" is given twice (labels ignore case)")
            }
            guard !tagKey.isEmpty, tagKey.utf8.count <= 128 else {
                throw fail("expected a tag key such as \"Role\" (1 to 128 characters), found \"\(tagKey)\"")
            }
            groups.append(GroupTag(label: lowered, tagKey: tagKey))
        }
        return NamingOptions(nameTag: nameTag, groups: groups)
    }

    /// `eu-west-1`, `us-gov-east-1`, `ap-southeast-5`: two letters, words, a number. Stricter than the check of
    /// `[discovery] regions`, so that ordinary labels such as `web-tier-a` are not mistaken for regions.
    static func looksLikeRegionLabel(_ label: String) -> Bool {
        let parts = label.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let first = parts.first, let last = parts.last else { return false }
        return first.count == 2 && first.allSatisfy(\.isLetter) && !last.isEmpty && last.allSatisfy(\.isNumber)
            && parts.dropFirst().dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isLetter) }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let position = firstIndex(of: target) else { return self }
        return String(self[..<position]) + replacement + String(self[index(after: position)...])
    }
}
