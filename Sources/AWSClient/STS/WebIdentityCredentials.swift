import Foundation

/// Credentials for an OIDC token through `sts:AssumeRoleWithWebIdentity`: EKS service accounts (IRSA), GitHub
/// Actions, any identity provider the role trusts. The token file is read at every refresh, since those
/// platforms rotate it.
struct WebIdentity: Sendable, Hashable {
    var roleARN: String
    var tokenFile: String
    var sessionName: String?
    var durationSeconds: Int?

    /// Assumes the role with the token in `tokenFile`; `name` is how errors name where this came from.
    func credentials(region: String?, context: AWSContext, describedAs name: String) async throws(CredentialError)
        -> AWSCredentials
    {
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialError.failed(
                source: name, problem: "the web identity token file \(tokenFile) cannot be read",
                fix: "Check that the file exists and is readable (on EKS, that the pod's service account has a role).")
        }
        guard !token.isEmpty else {
            throw CredentialError.failed(
                source: name, problem: "the web identity token file \(tokenFile) is empty",
                fix: "Check what writes the token (the EKS pod identity webhook, the CI's OIDC step).")
        }
        let request = AssumeRoleRequest(
            roleARN: roleARN,
            sessionName: sessionName ?? "\(context.configuration.roleSessionName)-\(Int(Date().timeIntervalSince1970))",
            durationSeconds: durationSeconds)
        do {
            return try await STSClient.assumeRoleWithWebIdentity(request, token: token, region: region, context: context)
                .credentials
        } catch {
            throw CredentialError.failed(
                source: name,
                problem: "assuming \(roleARN) with the web identity token of \(tokenFile) failed: \(error.summary)",
                fix: error.category == .auth || error.code == "InvalidIdentityToken" || error.code == "ExpiredTokenException"
                    ? "Check that the role's trust policy names the token's identity provider and audience, and that the token is current."
                    : "Try again; if it persists, check the STS endpoint settings.",
                isTransient: error.category.isRetryable)
        }
    }
}

/// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`): how EKS and GitHub Actions hand
/// a process its identity. In the default chain right after keys in the environment, as in the SDKs.
struct EnvironmentWebIdentityCredentials: CredentialSource {
    var context: AWSContext

    var name: String { "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)" }

    func load() async throws(CredentialError) -> CredentialLookup {
        let environment = context.environment
        switch (environment["AWS_WEB_IDENTITY_TOKEN_FILE"], environment["AWS_ROLE_ARN"]) {
        case (nil, nil):
            return .absent("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set")
        case (let file?, let role?):
            let identity = WebIdentity(roleARN: role, tokenFile: file, sessionName: environment["AWS_ROLE_SESSION_NAME"])
            let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            return .found(try await identity.credentials(region: region, context: context, describedAs: name))
        case (nil, _?):
            throw CredentialError.failed(
                source: name, problem: "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not",
                fix: "Set both (the token file and the role to assume with it), or neither.")
        case (_?, nil):
            throw CredentialError.failed(
                source: name, problem: "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
                fix: "Set AWS_ROLE_ARN to the role the token may assume.")
        }
    }
}
