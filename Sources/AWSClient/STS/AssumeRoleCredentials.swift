/// Temporary credentials from `sts:AssumeRole`, for role profiles and for callers fanning out over accounts.
enum AssumeRoleCredentials {
    /// Assumes the role with `source`'s credentials; failures become a `CredentialError` that names the role and
    /// the usual causes.
    static func fetch(
        _ request: AssumeRoleRequest, region: String?, source: any CredentialProvider, context: AWSContext,
        describedAs name: String
    ) async throws(CredentialError) -> AWSCredentials {
        do {
            return try await STSClient(context: context, credentials: source).assumeRole(request, region: region)
                .credentials
        } catch {
            if case .credentials(let sourceError) = error.reason { throw sourceError }
            throw CredentialError.failed(
                source: name, problem: "assuming \(request.roleARN) failed: \(error.summary)",
                fix: error.category == .auth
                    ? "Check that the source credentials may call sts:AssumeRole on the role and that the role's "
                        + "trust policy names them."
                    : "Try again; if it persists, check the STS endpoint settings.",
                isTransient: error.category.isRetryable)
        }
    }
}
