import AWSClient
import AWSDiscovery
import Inventory
import Testing

/// How a failed scope is logged once: two failures of one kind must have one `failureKind` whatever their details,
/// and different kinds different ones.
@Suite("AWS failure kinds")
struct FailureKindTests {
    static func throttled(attempts: Int, request: String) -> AWSClientError {
        AWSClientError(
            .service(AWSServiceError(code: "RequestLimitExceeded", message: "Request limit exceeded.", httpStatus: 503, requestID: request)),
            operation: "ec2:DescribeInstances", region: "us-east-1", attempts: attempts)
    }

    @Test("attempt counts, request IDs and nested STS details do not change the kind; the category, code and source do")
    func kinds() {
        #expect(Self.throttled(attempts: 3, request: "a").failureKind == Self.throttled(attempts: 1, request: "b").failureKind)
        #expect(Self.throttled(attempts: 3, request: "a").description != Self.throttled(attempts: 1, request: "b").description)
        let denied = AWSClientError(
            .service(AWSServiceError(code: "AuthFailure", message: "no", httpStatus: 401)), operation: "ec2:DescribeInstances",
            region: "us-east-1")
        #expect(denied.failureKind != Self.throttled(attempts: 1, request: "a").failureKind)
        func role(_ problem: String) -> AWSClientError {
            AWSClientError(
                .credentials(.failed(source: "profile \"role\"", problem: problem, fix: "Check the trust policy.")),
                operation: "ec2:DescribeInstances", region: "eu-west-1")
        }
        #expect(role("assuming R failed after 3 attempts: AccessDenied").failureKind == role("assuming R failed: AccessDenied").failureKind)
        #expect(role("x").failureKind != denied.failureKind)
    }
}
