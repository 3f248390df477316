import Foundation
import NIOHTTP1

/// The credentials endpoint ECS, Fargate, EKS Pod Identity and CodeBuild give a container.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on `http://169.254.170.2`. `AWS_CONTAINER_CREDENTIALS_FULL_URI`
/// is a whole URL, accepted only over https or to loopback and the ECS/EKS link-local hosts, because the
/// credentials would otherwise travel in clear text to an arbitrary host. The `Authorization` header comes from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every fetch; EKS rotates it) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
struct ContainerCredentials: CredentialSource {
    var context: AWSContext
    var attempts = 3

    var name: String { "container credentials endpoint" }

    /// The hosts `AWS_CONTAINER_CREDENTIALS_FULL_URI` may name over plain http.
    static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]

    func load() async throws(CredentialError) -> CredentialLookup {
        guard let url = try endpoint() else {
            return .absent("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
        }
        var headers: [SigningRequest.Header] = []
        if let token = try authorizationToken() { headers.append(.init("Authorization", token)) }

        var lastProblem = ""
        for _ in 0..<max(1, attempts) {
            let response: HTTPTransport.Response
            do {
                response = try await context.transport.send(
                    .init(
                        method: .GET, url: url, headers: headers, body: [],
                        timeout: context.configuration.containerCredentialsTimeout))
            } catch {
                lastProblem = "no answer from \(url) (\(error))"
                continue
            }
            guard response.status == 200 else {
                lastProblem = "\(url) answered HTTP \(response.status)"
                // Server errors may pass; a 4xx (a wrong token) will not.
                if response.status >= 500 { continue }
                break
            }
            return .found(
                try CredentialDocument.credentials(
                    from: response.body, source: name, requireVersion1: false,
                    fix: "Check the task role or pod identity association."))
        }
        throw CredentialError.failed(
            source: name, problem: lastProblem,
            fix: "Check that the task or pod has a role and that the authorization token is current.",
            isTransient: true)
    }

    /// The URL to fetch, nil when neither variable is set.
    func endpoint() throws(CredentialError) -> String? {
        let environment = context.environment
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else { return nil }
        guard let parsed = EndpointURL(full),
            parsed.scheme == "https" || parsed.host.hasPrefix("127.") || parsed.host == "::1"
                || Self.allowedHTTPHosts.contains(parsed.host.lowercased())
        else {
            throw CredentialError.failed(
                source: name,
                problem: "AWS_CONTAINER_CREDENTIALS_FULL_URI is \"\(full)\", which is neither https nor a loopback "
                    + "or ECS/EKS link-local address",
                fix: "Use an https URL, or one on 127.0.0.1, 169.254.170.2, 169.254.170.23 or fd00:ec2::23.")
        }
        return full
    }

    private func authorizationToken() throws(CredentialError) -> String? {
        let environment = context.environment
        var token: String?
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            do {
                token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CredentialError.failed(
                    source: name, problem: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path) cannot be read",
                    fix: "Check that the file exists and is readable.")
            }
        } else {
            token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
        // A header value with a line break would let the token inject other headers.
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw CredentialError.failed(
                source: name, problem: "the authorization token contains a line break",
                fix: "Check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE).")
        }
        return token
    }
}
