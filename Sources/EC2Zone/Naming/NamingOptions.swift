import Inventory

/// Which tags give instances their names: `[dns] name_tag` and `[dns] groups`. Part of `ZoneOptions`, so the zone
/// and the companion commands (which read the same `[dns]` section) name instances alike.
public struct NamingOptions: Sendable, Hashable {
    /// The tag whose value is `NAME` in `NAME.ec2` (`Name` by default).
    public var nameTag: String
    /// Group labels and the tag each stands for, in label order: `VALUE.LABEL.ec2` answers every instance whose tag
    /// has the value `VALUE`.
    public var groups: [GroupTag]

    public init(nameTag: String = "Name", groups: [GroupTag] = []) {
        self.nameTag = nameTag
        self.groups = groups.sorted { $0.label < $1.label }
    }

    /// The value of the name tag, as tagged (not yet a label). The `Name` tag is also the instance's `name`, which
    /// inventory files may give without a `tags` table.
    public func nameTagValue(of instance: Instance) -> String? {
        let value = nameTag == "Name" ? (instance.name ?? instance.tags["Name"]) : instance.tags[nameTag]
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The instance's `NAME` label, or nil when it has no name tag.
    public func nameLabel(of instance: Instance) -> String? {
        InstanceNaming.label(forNameTag: nameTagValue(of: instance))
    }

    /// The groups an instance is in: each group's label and the instance's value as a label, in label order.
    public func groupMemberships(of instance: Instance) -> [(label: String, value: String)] {
        groups.compactMap { group in InstanceNaming.label(forNameTag: instance.tags[group.tagKey]).map { (group.label, $0) } }
    }

    /// The label that names an instance canonically: its `NAME`, or its id when it has none (the PTR target).
    public func canonicalLabel(of instance: Instance) -> String {
        nameLabel(of: instance) ?? InstanceNaming.idLabel(of: instance)
    }
}

/// One entry of `[dns] groups`: `role = "Role"` makes `VALUE.role.ec2` of the tag `Role`.
public struct GroupTag: Sendable, Hashable {
    /// The DNS label of the group (`role`, `asg`), already lower case.
    public var label: String
    /// The tag key, exactly as tagged (`Role`, `aws:autoscaling:groupName`).
    public var tagKey: String

    public init(label: String, tagKey: String) {
        self.label = label
        self.tagKey = tagKey
    }
}

/// The labels an instance's names are made of, computed once per instance (each is a `String` of `a-z0-9-`).
public struct InstanceLabels: Sendable {
    public var id: String
    public var name: String?
    public var region: String
    /// For each group of `NamingOptions.groups` the instance is in: the group's label and its value as a label.
    public var groups: [(label: String, value: String)]

    /// The instance is borrowed: an initialiser takes its arguments owned, and a copy of an `Instance` retains each
    /// of its strings and arrays (the zone makes these for every instance of every compile).
    public init(_ instance: borrowing Instance, options: NamingOptions) {
        id = InstanceNaming.idLabel(of: instance)
        name = options.nameLabel(of: instance)
        region = InstanceNaming.regionLabel(of: instance)
        groups = options.groups.isEmpty ? [] : options.groupMemberships(of: instance)
    }

    /// The instance's names of one form that it has by itself (every form but the numbered ones, which belong to a
    /// set): `body` gets the labels from the first (`web`, `role`, `us-east-1`), unused ones nil.
    @inline(__always)
    public func forEachName(_ form: NameForm, _ body: (String, String?, String?) -> Void) {
        switch form {
        case .instanceID: body(id, nil, nil)
        case .name: if let name { body(name, nil, nil) }
        case .nameInRegion: if let name { body(name, region, nil) }
        case .group: for (label, value) in groups { body(value, label, nil) }
        case .groupInRegion: for (label, value) in groups { body(value, label, region) }
        case .reserved, .nthOfName, .nthOfGroup: break
        }
    }
}
