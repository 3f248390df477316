/// The parameters of one call to an AWS query API, in order, and their encoding as a form body.
struct QueryForm: Sendable, Hashable {
    private(set) var parameters: [SigningRequest.QueryItem]

    init(action: String, version: String, parameters: [SigningRequest.QueryItem] = []) {
        self.parameters = [.init("Action", action), .init("Version", version)] + parameters
    }

    mutating func append(_ name: String, _ value: String) {
        parameters.append(.init(name, value))
    }

    /// `Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=...`, encoded exactly as moto and botocore
    /// re-encode it when checking the signature: see `PercentEncoding.Style.form`.
    var body: [UInt8] {
        Array(
            parameters.map { "\(PercentEncoding.encode($0.name, .form))=\(PercentEncoding.encode($0.value, .form))" }
                .joined(separator: "&").utf8)
    }
}
