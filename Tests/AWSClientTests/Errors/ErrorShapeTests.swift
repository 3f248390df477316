import NIOHTTP1
import Testing

@testable import AWSClient

@Suite("AWS error responses")
struct ErrorShapeTests {
    private func parse(_ status: Int, _ body: String, headers: HTTPHeaders = [:]) -> AWSServiceError {
        AWSServiceError.parse(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test("EC2: <Response><Errors><Error> with <RequestID>")
    func ec2Shape() {
        let error = parse(
            400,
            #"<?xml version="1.0" encoding="UTF-8"?><Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>request-id</RequestID></Response>"#
        )
        #expect(error.code == "InvalidInstanceID.NotFound")
        #expect(error.message == "The instance ID 'i-0123456789abcdef0' does not exist")
        #expect(error.requestID == "request-id")
        #expect(error.httpStatus == 400)
        #expect(error.category == .invalidRequest)
    }

    @Test("STS and IAM: <ErrorResponse><Error> with <RequestId>")
    func stsShape() {
        let error = parse(
            403,
            """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <Error>
                <Type>Sender</Type>
                <Code>AccessDenied</Code>
                <Message>User is not authorized to perform: sts:AssumeRole</Message>
              </Error>
              <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
            </ErrorResponse>
            """)
        #expect(error.code == "AccessDenied")
        #expect(error.message == "User is not authorized to perform: sts:AssumeRole")
        #expect(error.requestID == "c6104cbe-af31-11e0-8154-cbc7ccf896c7")
        #expect(error.category == .auth)
    }

    @Test("moto's auth layer: <ErrorResponse><Errors><Error>")
    func motoAuthShape() {
        let error = parse(
            401,
            "<ErrorResponse><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message><Type>Sender</Type></Error></Errors></ErrorResponse>",
            headers: ["x-amzn-RequestId": "hdr-123"])
        #expect(error.code == "AuthFailure")
        #expect(error.message == "AWS was not able to validate the provided access credentials")
        #expect(error.requestID == "hdr-123")
        #expect(error.category == .auth)
    }

    @Test("throttling from its code, even on a 503")
    func throttling() {
        let error = parse(
            503,
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>"
        )
        #expect(error.code == "RequestLimitExceeded")
        #expect(error.category == .throttling)
    }

    @Test("a body that is not XML: no code, the first line as message, the status decides")
    func nonXML() {
        let error = parse(
            500, "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head></html>",
            headers: ["x-amz-request-id": "abc"])
        #expect(error.code == nil)
        #expect(error.message == "<!DOCTYPE html>")
        #expect(error.requestID == "abc")
        #expect(error.category == .serverError)
        #expect(parse(502, "").category == .serverError)
        #expect(parse(504, "Gateway Timeout").message == "Gateway Timeout")
        #expect(parse(429, "slow down").category == .throttling)
        #expect(parse(403, "Forbidden").category == .auth)
        #expect(parse(501, "").category == .invalidRequest)
        #expect(parse(502, "").description == "HTTP 502")
    }

    @Test(
        "error codes are sorted into categories",
        arguments: [
            ("RequestLimitExceeded", ErrorCategory.throttling), ("Throttling", .throttling),
            ("ThrottlingException", .throttling), ("EC2ThrottledException", .throttling),
            ("RequestTimeout", .transient), ("AuthFailure", .auth), ("UnauthorizedOperation", .auth),
            ("InvalidClientTokenId", .auth), ("SignatureDoesNotMatch", .auth), ("AccessDenied", .auth),
            ("OptInRequired", .auth), ("ExpiredToken", .expiredCredentials),
            ("RequestTimeTooSkewed", .clockSkew), ("RequestExpired", .clockSkew),
            ("InvalidParameterValue", .invalidRequest),
        ])
    func categories(code: String, expected: ErrorCategory) {
        #expect(ErrorCodes.category(code: code, httpStatus: 400) == expected)
    }

    @Test("only throttling, server errors and transport failures are retryable")
    func retryable() {
        let retryable = Set(
            [ErrorCategory.throttling, .serverError, .transient, .auth, .expiredCredentials, .clockSkew, .credentials,
                .invalidRequest, .malformedResponse, .configuration].filter(\.isRetryable))
        #expect(retryable == [.throttling, .serverError, .transient])
    }

    @Test("a client error says what failed, where, and what to do")
    func clientErrorDescription() {
        let error = AWSClientError(
            .service(parse(401, "<ErrorResponse><Errors><Error><Code>AuthFailure</Code><Message>bad key</Message></Error></Errors></ErrorResponse>")),
            operation: "ec2:DescribeInstances", region: "eu-west-1", endpoint: "https://ec2.eu-west-1.amazonaws.com/",
            attempts: 1)
        #expect(
            error.description
                == "ec2:DescribeInstances in eu-west-1 (https://ec2.eu-west-1.amazonaws.com/) failed: AuthFailure "
                + "(HTTP 401): bad key. Check that the credentials are current and allowed to call "
                + "ec2:DescribeInstances (IAM policy, SCP, and whether the region is enabled for the account).")
        #expect(error.code == "AuthFailure")
        #expect(error.category == .auth)
    }
}
