/// A server-side filter of an EC2 Describe call: `Filter.N.Name` with values `Filter.N.Value.M`.
///
/// Filtering on the server keeps DescribeInstances in EC2's larger request-token bucket (unfiltered,
/// unpaginated calls are throttled harder). EC2 allows at most 200 values across a call's filters.
public struct EC2Filter: Sendable, Hashable {
    public var name: String
    public var values: [String]

    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }

    /// `instance-state-name`: `pending`, `running`, `shutting-down`, `terminated`, `stopping`, `stopped`.
    public static func instanceStates(_ states: [String]) -> EC2Filter {
        EC2Filter(name: "instance-state-name", values: states)
    }

    /// `instance-id`: just these instances (unlike `InstanceId.N`, an id that no longer exists is no error).
    public static func instanceIDs(_ ids: [String]) -> EC2Filter {
        EC2Filter(name: "instance-id", values: ids)
    }

    /// `tag:KEY` with the given values (`*` wildcards allowed).
    public static func tag(_ key: String, _ values: [String]) -> EC2Filter {
        EC2Filter(name: "tag:\(key)", values: values)
    }

    /// Appends the filters to a form, numbered from 1 as the query protocol wants.
    static func append(_ filters: [EC2Filter], to form: inout QueryForm) {
        for (filterIndex, filter) in filters.enumerated() {
            form.append("Filter.\(filterIndex + 1).Name", filter.name)
            for (valueIndex, value) in filter.values.enumerated() {
                form.append("Filter.\(filterIndex + 1).Value.\(valueIndex + 1)", value)
            }
        }
    }
}

/// A region as DescribeRegions lists it.
public struct EC2Region: Sendable, Hashable {
    public var name: String
    /// `ec2.eu-west-1.amazonaws.com`.
    public var endpoint: String?
    /// `opt-in-not-required`, `opted-in` or `not-opted-in`.
    public var optInStatus: String?

    public init(name: String, endpoint: String? = nil, optInStatus: String? = nil) {
        self.name = name
        self.endpoint = endpoint
        self.optInStatus = optInStatus
    }
}
