import AWSClient
import AWSDiscovery
import DNSWire
import EC2Zone
import Foundation
import Inventory
import NIOHTTP1

/// `aws-xml`: an AWS query-protocol answer through the XML reader and every decoder of this client
/// (DescribeInstances, DescribeRegions, StartInstances, AssumeRole, and the three error shapes), then EC2's values
/// mapped to instances, compiled into a zone, and each instance's name asked, as a refresh would publish them.
enum AWSXMLTarget {
    static let headers = HTTPHeaders([("Date", "Mon, 07 Dec 2026 08:00:00 GMT"), ("x-amzn-RequestId", "fuzz")])
    /// Instances of one input whose names are asked (every answer is checked like the `dns` target's).
    static let askedPerInput = 8

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let bytes = Array(input)
        for status in [400, 503] {
            let error = AWSServiceError.parse(status: status, headers: headers, body: bytes)
            try check(error.httpStatus == status, .awsXML, "the error's status \(error.httpStatus) is not the answer's \(status)")
            try check(!error.description.isEmpty, .awsXML, "an error with no description")
        }
        guard let document = try? XMLDocument.parse(bytes) else { return }
        _ = EC2Client.regions(in: document)
        _ = InstanceStateChange.list(document)
        _ = try? STSClient.parseAssumeRole(document)
        guard let page = try? DescribeInstancesReader.page(document) else { return }
        let instances = EC2InstanceMapping.instances(page.reservations, region: "eu-west-1")
        try check(
            instances.count == page.reservations.reduce(0) { $0 + $1.instances.count }, .awsXML,
            "\(instances.count) instances mapped from \(page.reservations.map(\.instances.count)) described")
        try SnapshotTarget.ask(instances, target: .awsXML, limit: askedPerInput)
    }
}
