import FednsSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import AWSClient

/// A stub of the EC2 instance metadata service that is as strict as the real IMDSv2: the token only by PUT with a
/// TTL header, every other request only with the token.
enum IMDSStub {
    static let token = "AQAEAfakeIMDSv2token=="
    static let role = "fedns-instance-role"

    static func handler(region: String = "eu-central-1", v1Only: Bool = false) -> StubHTTPServer.Handler {
        { request in
            if request.path == "/latest/api/token" {
                if v1Only { return .respond(status: 404) }
                guard request.method == "PUT" else { return .respond(status: 405) }
                guard let ttl = request.header("X-aws-ec2-metadata-token-ttl-seconds"), let seconds = Int(ttl),
                    (1...21_600).contains(seconds)
                else { return .respond(status: 400) }
                return .respond(status: 200, headers: [("X-aws-ec2-metadata-token-ttl-seconds", ttl)], body: token)
            }
            if !v1Only && request.header("X-aws-ec2-metadata-token") != token { return .respond(status: 401) }
            switch request.path {
            case "/latest/meta-data/iam/security-credentials/":
                return .ok(role)
            case "/latest/meta-data/iam/security-credentials/\(role)":
                return .ok(
                    """
                    {"Code": "Success", "LastUpdated": "2026-11-21T10:00:00Z", "Type": "AWS-HMAC",
                     "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret", "Token": "imds-token",
                     "Expiration": "2026-11-21T16:00:00Z"}
                    """)
            case "/latest/meta-data/placement/region":
                return .ok(region)
            default:
                return .respond(status: 404)
            }
        }
    }
}

@Suite("Instance metadata service (IMDSv2) and container credentials against stubs")
struct InstanceMetadataTests {
    private func chainCredentials(_ environment: AWSEnvironment) async throws -> AWSCredentials {
        try await withSession(environment) { session in try await session.credentialProvider().credentials() }
    }

    @Test("token by PUT with a TTL, then role and credentials with the token")
    func imdsV2() async throws {
        try await StubHTTPServer.with(IMDSStub.handler()) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL + "/",
                ])
                let credentials = try await chainCredentials(environment)
                #expect(credentials.accessKeyID == "ASIAIMDS")
                #expect(credentials.sessionToken == "imds-token")
                #expect(credentials.expiration == ISO8601.parse("2026-11-21T16:00:00Z"))
                let requests = server.requests
                #expect(requests.map { "\($0.method) \($0.path)" } == [
                    "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                    "GET /latest/meta-data/iam/security-credentials/\(IMDSStub.role)",
                ])
                #expect(requests[0].header("X-aws-ec2-metadata-token-ttl-seconds") == "21600")
                #expect(requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == IMDSStub.token })
            }
        }
    }

    @Test("the region comes from placement/region when nothing else sets it")
    func regionFromIMDS() async throws {
        try await StubHTTPServer.with(IMDSStub.handler(region: "ap-southeast-2")) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
                ])
                let region = try await withSession(environment) { try await $0.region() }
                #expect(region == "ap-southeast-2")
            }
        }
    }

    @Test("an unresponsive service gives up after the 1 s default and the chain moves on")
    func unresponsive() async throws {
        try await StubHTTPServer.with({ _ in .hang }) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
                ])
                let started = ContinuousClock.now
                let error = await #expect(throws: CredentialError.self) { try await chainCredentials(environment) }
                let elapsed = ContinuousClock.now - started
                // It waited for the timeout and then gave up (the 1 s itself is checked in the message below; the
                // upper bound only says "did not hang", with room for a 2-core CI machine running the whole suite,
                // where this took 11 s once while other suites held both cores).
                #expect(elapsed >= .milliseconds(900))
                #expect(elapsed < .seconds(30))
                guard case .notFound(let tried) = error else {
                    Issue.record("expected notFound, got \(String(describing: error))")
                    return
                }
                #expect(tried.last?.outcome.contains("no answer from \(server.baseURL)") == true)
                #expect(tried.last?.outcome.contains("no response within 1 s") == true)
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("AWS_EC2_METADATA_DISABLED=true sends nothing to the service")
    func disabled() async throws {
        try await StubHTTPServer.with(IMDSStub.handler()) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_EC2_METADATA_DISABLED": "TRUE", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
                ])
                let error = await #expect(throws: CredentialError.self) { try await chainCredentials(environment) }
                #expect(error?.description.contains("disabled by AWS_EC2_METADATA_DISABLED") == true)
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test("a service without tokens is used as IMDSv1, unless AWS_EC2_METADATA_V1_DISABLED")
    func v1Fallback() async throws {
        try await StubHTTPServer.with(IMDSStub.handler(v1Only: true)) { server throws in
            try await withTestHome { home throws in
                var variables = ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL]
                #expect(try await chainCredentials(home.environment(variables)).accessKeyID == "ASIAIMDS")
                #expect(server.requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == nil })
                variables["AWS_EC2_METADATA_V1_DISABLED"] = "true"
                let error = await #expect(throws: CredentialError.self) {
                    try await chainCredentials(home.environment(variables))
                }
                #expect(error?.description.contains("AWS_EC2_METADATA_V1_DISABLED") == true)
            }
        }
    }

    @Test("credential_source = Ec2InstanceMetadata: the role is assumed with the instance role's credentials")
    func credentialSourceReachesIMDS() async throws {
        let imds = IMDSStub.handler()
        try await StubHTTPServer.with({ request in
            guard request.method == "POST" else { return imds(request) }
            return .ok(
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
                    + "<SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>"
                    + "<Expiration>2026-11-21T11:00:00.123456Z</Expiration></Credentials></AssumeRoleResult>"
                    + "</AssumeRoleResponse>")
        }) { server throws in
            try await withTestHome { home throws in
                try home.config(
                    """
                    [profile onec2]
                    role_arn = arn:aws:iam::111122223333:role/dns
                    credential_source = Ec2InstanceMetadata
                    region = eu-west-1
                    """)
                let environment = home.environment([
                    "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
                    "AWS_ENDPOINT_URL_STS": server.baseURL,
                ])
                let credentials = try await withSession(environment) {
                    try await $0.credentialProvider(profile: "onec2").credentials()
                }
                #expect(credentials.accessKeyID == "ASIAROLE")
                // moto-style microseconds are accepted.
                let expected = try #require(ISO8601.parse("2026-11-21T11:00:00Z"))
                #expect(abs((credentials.expiration ?? .distantPast).timeIntervalSince(expected) - 0.123) < 0.001)
                let assume = try #require(server.requests.last)
                #expect(assume.header("Authorization")?.contains("Credential=ASIAIMDS/") == true)
                #expect(assume.header("Authorization")?.contains("/eu-west-1/sts/aws4_request") == true)
                #expect(assume.header("X-Amz-Security-Token") == "imds-token")
                #expect(assume.bodyText.hasPrefix("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdns&RoleSessionName=fedns-"))
            }
        }
    }

    // MARK: - Container credentials

    private static func containerHandler(token: String) -> StubHTTPServer.Handler {
        { request in
            guard request.path == "/creds" else { return .respond(status: 404) }
            guard request.header("Authorization") == token else { return .respond(status: 403) }
            return .ok(
                #"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "c", "Token": "container-token", "Expiration": "2026-11-21T16:00:00Z"}"#
            )
        }
    }

    @Test("AWS_CONTAINER_CREDENTIALS_FULL_URI on loopback with AWS_CONTAINER_AUTHORIZATION_TOKEN")
    func containerFullURI() async throws {
        try await StubHTTPServer.with(Self.containerHandler(token: "Bearer abc")) { server throws in
            try await withTestHome { home throws in
                let credentials = try await chainCredentials(
                    home.environment([
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/creds",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer abc",
                    ]))
                #expect(credentials.accessKeyID == "ASIACONTAINER")
                #expect(credentials.sessionToken == "container-token")
            }
        }
    }

    @Test("the token file wins over the token variable and is read on each fetch")
    func containerTokenFile() async throws {
        try await StubHTTPServer.with(Self.containerHandler(token: "from-file")) { server throws in
            try await withTestHome { home throws in
                let tokenFile = try home.write("token", "from-file\n")
                let credentials = try await chainCredentials(
                    home.environment([
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/creds",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-variable",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                    ]))
                #expect(credentials.accessKeyID == "ASIACONTAINER")
            }
        }
    }

    @Test("server errors are retried up to three times; a wrong token is not")
    func containerRetries() async throws {
        let failures = Atomic429Counter()
        try await StubHTTPServer.with({ request in
            failures.next() <= 2 ? .respond(status: 503) : Self.containerHandler(token: "t")(request)
        }) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t",
                ])
                #expect(try await chainCredentials(environment).accessKeyID == "ASIACONTAINER")
                #expect(server.requests.count == 3)
            }
        }
        try await StubHTTPServer.with(Self.containerHandler(token: "right")) { server throws in
            try await withTestHome { home throws in
                let environment = home.environment([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong",
                ])
                let error = await #expect(throws: CredentialError.self) { try await chainCredentials(environment) }
                #expect(error?.description.contains("answered HTTP 403") == true)
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("which container URLs are allowed")
    func containerURLs() async throws {
        try await withTestHome { home throws in
            func endpoint(_ variables: [String: String]) async throws -> String? {
                try await AWSSessionContextForTests.with(home.environment(variables)) { context in
                    try ContainerCredentials(context: context).endpoint()
                }
            }
            let relative = try await endpoint(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"])
            #expect(relative == "http://169.254.170.2/v2/credentials/abc")
            let unset = try await endpoint([:])
            #expect(unset == nil)
            for allowed in [
                "https://creds.example.com/x", "http://127.0.0.1:8080/x", "http://169.254.170.23/v1/credentials",
                "http://[fd00:ec2::23]/x", "http://localhost/x", "http://[::1]:9/x",
            ] {
                let url = try await endpoint(["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed])
                #expect(url == allowed)
            }
            for refused in ["http://example.com/creds", "http://10.0.0.1/creds", "ftp://127.0.0.1/x", "not a url"] {
                await #expect(throws: CredentialError.self, "\(refused)") {
                    try await endpoint(["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused])
                }
            }
        }
    }
}

/// Counts calls across the stub's event loop threads.
final class Atomic429Counter: Sendable {
    private let count = Synchronization.Mutex(0)
    func next() -> Int { count.withLock { value in value += 1; return value } }
}

/// Builds the internal context a session would, for tests of single components, and shuts its transport down.
enum AWSSessionContextForTests {
    static func with<Result>(_ environment: AWSEnvironment, _ body: (AWSContext) async throws -> Result) async throws
        -> Result
    {
        let context = AWSContext(
            configuration: AWSClientConfiguration(), environment: environment,
            transport: HTTPTransport(
                connectTimeout: .seconds(1), proxy: nil, maximumResponseBytes: 1 << 20, userAgent: "test"),
            clock: ClockCorrection(), logger: Logger(label: "test"),
            limiter: RequestRateLimiter(limits: RequestLimits(), logger: Logger(label: "test")))
        do {
            let result = try await body(context)
            try await context.transport.shutdown()
            return result
        } catch {
            try? await context.transport.shutdown()
            throw error
        }
    }
}
