import Foundation
import NIOHTTP1

/// The EC2 instance metadata service (IMDS), version 2: a session token from `PUT /latest/api/token`, then
/// `GET`s that carry it. It provides the instance role's credentials and the instance's region.
///
/// Off EC2 nothing answers at 169.254.169.254, so every request has a short limit (1 s by default) and a
/// single attempt: a laptop must not wait long before hearing "no credentials".
///
/// Settings, as the SDKs read them: `AWS_EC2_METADATA_DISABLED`, `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (`IPv4` or `IPv6`), `AWS_EC2_METADATA_V1_DISABLED`,
/// `AWS_METADATA_SERVICE_TIMEOUT` (seconds) and `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
struct InstanceMetadataClient: Sendable {
    /// Why a metadata lookup did not produce a value.
    enum Problem: Error, Sendable {
        /// Switched off, or nothing answered: not on EC2. The chain moves on.
        case unavailable(String)
        /// The service answered but not usefully. Credentials from here are wanted but cannot be had.
        case failed(String)
    }

    var context: AWSContext

    static let tokenTTLSeconds = 21_600

    var isDisabled: Bool { context.environment.isEnabled("AWS_EC2_METADATA_DISABLED") }

    var endpoint: String {
        if let configured = context.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        let mode = context.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased()
        return mode == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254"
    }

    var timeout: Duration {
        if let configured = context.configuration.instanceMetadataTimeout { return configured }
        if let text = context.environment["AWS_METADATA_SERVICE_TIMEOUT"], let seconds = Double(text), seconds > 0 {
            return .milliseconds(Int64(seconds * 1000))
        }
        return .seconds(1)
    }

    var attempts: Int {
        context.environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
    }

    /// The instance role's credentials.
    func roleCredentials() async throws(Problem) -> AWSCredentials {
        let token = try await sessionToken()
        let listing = try await get("/latest/meta-data/iam/security-credentials/", token: token, missing: "no IAM role")
        guard let role = listing.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw Problem.unavailable("the instance has no IAM role attached")
        }
        let document = try await getBytes(
            "/latest/meta-data/iam/security-credentials/\(role)", token: token, missing: "no credentials for the role")
        do {
            return try CredentialDocument.credentials(
                from: document, source: "instance role \"\(role)\"", requireVersion1: false,
                fix: "Check the instance profile in the EC2 console.")
        } catch {
            throw Problem.failed(error.description)
        }
    }

    /// The instance's region (`placement/region`).
    func region() async throws(Problem) -> String {
        let token = try await sessionToken()
        let region = try await get("/latest/meta-data/placement/region", token: token, missing: "no region")
        return region.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An IMDSv2 token, or nil to fall back to IMDSv1 when the service does not offer tokens (403/404/405 on
    /// the PUT) and v1 is allowed.
    private func sessionToken() async throws(Problem) -> String? {
        if isDisabled { throw Problem.unavailable("disabled by AWS_EC2_METADATA_DISABLED") }
        let response = try await send(
            .PUT, "/latest/api/token",
            headers: [.init("X-aws-ec2-metadata-token-ttl-seconds", "\(Self.tokenTTLSeconds)")])
        switch response.status {
        case 200:
            let token = String(decoding: response.body, as: UTF8.self)
            guard !token.isEmpty else { throw Problem.failed("the token request returned an empty token") }
            return token
        case 403, 404, 405:
            guard context.environment.isEnabled("AWS_EC2_METADATA_V1_DISABLED") else { return nil }
            throw Problem.failed(
                "the service offers no IMDSv2 token (HTTP \(response.status)) and AWS_EC2_METADATA_V1_DISABLED is set")
        default:
            throw Problem.failed("the token request (PUT /latest/api/token) answered HTTP \(response.status)")
        }
    }

    private func get(_ path: String, token: String?, missing: String) async throws(Problem) -> String {
        String(decoding: try await getBytes(path, token: token, missing: missing), as: UTF8.self)
    }

    private func getBytes(_ path: String, token: String?, missing: String) async throws(Problem) -> [UInt8] {
        let headers: [SigningRequest.Header] = token.map { [.init("X-aws-ec2-metadata-token", $0)] } ?? []
        let response = try await send(.GET, path, headers: headers)
        switch response.status {
        case 200: return response.body
        case 404: throw Problem.unavailable("\(missing) (404 for \(path))")
        default: throw Problem.failed("GET \(path) answered HTTP \(response.status)")
        }
    }

    private func send(
        _ method: HTTPMethod, _ path: String, headers: [SigningRequest.Header]
    ) async throws(Problem) -> HTTPTransport.Response {
        var lastError: TransportError?
        for _ in 0..<attempts {
            do {
                return try await context.transport.send(
                    .init(method: method, url: endpoint + path, headers: headers, body: [], timeout: timeout))
            } catch {
                lastError = error
            }
        }
        throw Problem.unavailable("no answer from \(endpoint) (\(lastError?.description ?? "no attempt made"))")
    }
}

/// The instance role, as a link in the credential chain.
struct InstanceMetadataCredentials: CredentialSource {
    var client: InstanceMetadataClient

    var name: String { "EC2 instance metadata (\(client.endpoint))" }

    func load() async throws(CredentialError) -> CredentialLookup {
        do {
            return .found(try await client.roleCredentials())
        } catch {
            switch error {
            case .unavailable(let reason):
                return .absent(reason)
            case .failed(let problem):
                throw CredentialError.failed(
                    source: name, problem: problem, fix: "Check the instance's IAM role and metadata options.",
                    isTransient: true)
            }
        }
    }
}
