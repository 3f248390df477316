/// The forms a name of the zone takes, in order of precedence: when one name could be read two ways (a `Name` tag
/// that is a number, a tag value that is also a `Name`, a `Name` tag that looks like an instance id), the form that
/// comes first here owns the name and the other reading does not exist (it is listed as a `shadowed-name` problem).
///
/// | precedence | form | example |
/// |---|---|---|
/// | 1 | the zone apex and its name server | `ec2.`, `ns.ec2.` |
/// | 2 | `INSTANCE-ID` | `i-0abc123.ec2` |
/// | 3 | `NAME` | `web-1.ec2` |
/// | 4 | `NAME.REGION` | `web-1.eu-west-1.ec2` |
/// | 5 | `VALUE.LABEL` | `web.role.ec2` |
/// | 6 | `VALUE.LABEL.REGION` | `web.role.eu-west-1.ec2` |
/// | 7 | `N.NAME` | `2.web-1.ec2` |
/// | 8 | `N.VALUE.LABEL` | `2.web.role.ec2` |
///
/// So an instance tagged `Name=2` in region `web` (were there one) would own `2.web`, not the second instance
/// called `web`; a tag value `2` in group `shard` owns `2.shard` over the second instance called `shard`; a `Name`
/// tag equal to a region (`us-east-1.ec2`) is the instance, not the region's empty non-terminal. Explicit names
/// come before derived ones, and the `Name` tag before other tags, because those are what people type first.
public enum NameForm: UInt8, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case reserved = 1
    case instanceID
    case name
    case nameInRegion
    case group
    case groupInRegion
    case nthOfName
    case nthOfGroup

    public static func < (lhs: NameForm, rhs: NameForm) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The form of the set a numbered form counts in.
    var numbered: NameForm? {
        switch self {
        case .name: return .nthOfName
        case .group: return .nthOfGroup
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .reserved: return "the zone's own name"
        case .instanceID: return "INSTANCE-ID"
        case .name: return "NAME"
        case .nameInRegion: return "NAME.REGION"
        case .group: return "VALUE.LABEL"
        case .groupInRegion: return "VALUE.LABEL.REGION"
        case .nthOfName: return "N.NAME"
        case .nthOfGroup: return "N.VALUE.LABEL"
        }
    }
}
