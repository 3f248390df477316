import EC2Zone
import Foundation
import Inventory

/// `ec2host --ssh-config`: an `ssh_config` with a `Host` block per instance, so that any tool that runs ssh (plain
/// ssh, rsync, scp, git, Ansible, VS Code Remote-SSH) reaches instances by the names fedns gives them, with no DNS
/// set-up and with host keys checked against the companion's known_hosts.
public struct SSHConfig: Sendable {
    /// The zone's options: the names (and their forms) are the zone's.
    public var zone: ZoneOptions
    public var address: AddressChoice
    /// `User` of every block, when given.
    public var user: String?
    /// Jump hosts for instances with only private addresses (`--jump auto`: `[companion] jump`).
    public var jump: JumpHosts
    /// The companion's known_hosts file (`UserKnownHostsFile` of every block).
    public var knownHostsFile: String?

    public init(zone: ZoneOptions, address: AddressChoice, user: String?, jump: JumpHosts, knownHostsFile: String?) {
        self.zone = zone
        self.address = address
        self.user = user
        self.jump = jump
        self.knownHostsFile = knownHostsFile
    }

    public static let beginMarker = "# BEGIN ec2host --ssh-config (fedns)"
    public static let endMarker = "# END ec2host --ssh-config (fedns)"

    /// What rendering found, besides the text.
    public struct Rendered: Sendable {
        public var text: String
        /// The host keys to file in the known_hosts file the blocks name.
        public var knownHosts: [KnownHostsEntry]
        /// Instances left out, and why (no address of the chosen kind).
        public var skipped: [String]
    }

    /// The marked block: one `Host` block per named instance (in the zone's states) that has an address, with every
    /// name that stands for it alone (`NAME`, `NAME.REGION`, `INSTANCE-ID`, `N.NAME`, …, each also with the zone:
    /// `NAME.ec2`). A name several instances share cannot be one host and is left out; their numbered names
    /// (`1.web`, `2.web`) are in.
    public func render(_ instances: [Instance]) -> Rendered {
        let index = NameIndex(instances: instances, options: zone)
        let names = index.uniqueNamesByInstance()
        let zoneSuffix = zone.zoneText
        var lines = [
            Self.beginMarker,
            "# Generated from the EC2 inventory; `ec2host --ssh-config --write FILE` replaces this block as a whole.",
        ]
        var knownHosts: [KnownHostsEntry] = []
        var skipped: [String] = []
        for (position, instance) in index.instances.enumerated() {
            guard let hostName = address.address(of: instance) else {
                skipped.append("\(instance.id): no \(address.kind) address")
                continue
            }
            let patterns = names[position].flatMap { zoneSuffix.isEmpty ? [$0] : [$0, "\($0).\(zoneSuffix)"] }
            lines.append("")
            lines.append("Host " + patterns.joined(separator: " "))
            lines.append("    HostName \(hostName)")
            lines.append("    HostKeyAlias \(instance.id)")
            if let knownHostsFile { lines.append("    UserKnownHostsFile \(Self.quoted(knownHostsFile))") }
            if let user { lines.append("    User \(Self.quoted(user))") }
            if let proxy = proxyJump(for: instance, index: index, names: names) { lines.append("    ProxyJump \(proxy)") }
            if !instance.hostKeys.isEmpty { knownHosts.append(KnownHostsEntry(alias: instance.id, keys: instance.hostKeys)) }
        }
        // Lines after the block must not land in its last Host section.
        lines += ["", "Host *", Self.endMarker]
        return Rendered(text: lines.joined(separator: "\n") + "\n", knownHosts: knownHosts, skipped: skipped)
    }

    /// The jump host of a private-only instance, named by a `Host` pattern of this file (so its own block, with its
    /// host key alias, applies to the hop too): the configured name when it names the jump host alone, else its id.
    private func proxyJump(for instance: Instance, index: NameIndex, names: [[String]]) -> String? {
        guard let jumpName = jump.jumpHost(for: instance), case .instances(_, let found) = index.match(jumpName),
            found.count == 1, let jumpHost = found.first, jumpHost.id != instance.id
        else { return nil }
        let jumpNames = index.instances.firstIndex { $0.id == jumpHost.id }.map { names[$0] } ?? []
        return jumpNames.contains(jumpName.lowercased()) ? jumpName.lowercased() : jumpHost.id
    }

    /// ssh_config quotes values with spaces in double quotes.
    static func quoted(_ value: String) -> String {
        value.contains(where: \.isWhitespace) ? "\"\(value)\"" : value
    }

    /// `existing` (a whole ssh_config file) with the marked block replaced by `block`, or `block` appended when the
    /// file has none; everything outside the markers is kept byte for byte.
    public static func replacingBlock(in existing: String, with block: String) throws(CompanionError) -> String {
        var lines = existing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let begin = lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == beginMarker }
        let end = lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == endMarker }
        var blockLines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if blockLines.last == "" { blockLines.removeLast() }
        switch (begin, end) {
        case (let begin?, let end?) where begin < end:
            lines.replaceSubrange(begin...end, with: blockLines)
            return lines.joined(separator: "\n")
        case (nil, nil):
            if existing.isEmpty { return block }
            return existing + (existing.hasSuffix("\n") ? "" : "\n") + "\n" + block
        default:
            let problem =
                begin == nil
                ? "a \"\(endMarker)\" line but no \"\(beginMarker)\" line"
                : end == nil ? "a \"\(beginMarker)\" line but no \"\(endMarker)\" line" : "its end marker before its begin marker"
            throw CompanionError(
                .configuration, "the file has a broken ec2host block (\(problem)); remove the block's lines and write it again")
        }
    }
}
