/// Something about the inventory that an operator should fix or at least know, found while naming instances.
public struct NamingProblem: Hashable, Sendable, Encodable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Encodable {
        /// The `Name` tag is not a DNS label as written and was rewritten.
        case nameRewritten = "name-rewritten"
        /// Several instances share one name; the name answers with all of them.
        case duplicateName = "duplicate-name"
        /// A name is also made by a form that takes precedence (the zone's name server, an instance id, …; see
        /// `NameForm`), so this reading of it is not served.
        case shadowedName = "shadowed-name"
        /// An address in the inventory is not a valid IPv4 / IPv6 address and was left out.
        case unusableAddress = "unusable-address"
        /// The instance has no address for the configured address mode.
        case noAddress = "no-address"
        /// A tag named by `[dns] name_tag` or `[dns] groups` is on no instance (most likely a misspelt key).
        case unusedTag = "unused-tag"
    }

    public var kind: Kind
    /// The DNS label (or name) concerned.
    public var name: String
    public var instanceIDs: [String]
    public var detail: String

    public init(kind: Kind, name: String, instanceIDs: [String], detail: String) {
        self.kind = kind
        self.name = name
        self.instanceIDs = instanceIDs
        self.detail = detail
    }

    public var description: String {
        "\(kind.rawValue) \(name) [\(instanceIDs.joined(separator: ", "))]: \(detail)"
    }

    enum CodingKeys: String, CodingKey {
        case kind, name
        case instanceIDs = "instances"
        case detail
    }
}
