import FednsSupport

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (or the older `AWS_SECURITY_TOKEN`),
/// with `AWS_CREDENTIAL_EXPIRATION` when the tool that exported them said when they expire.
struct EnvironmentCredentials: CredentialSource {
    var environment: AWSEnvironment

    var name: String { "environment variables" }

    func load() async throws(CredentialError) -> CredentialLookup {
        let keyID = environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["AWS_SECRET_ACCESS_KEY"]
        switch (keyID, secret) {
        case (nil, nil):
            return .absent("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        case (let keyID?, let secret?):
            return .found(
                AWSCredentials(
                    accessKeyID: keyID, secretAccessKey: secret,
                    sessionToken: environment["AWS_SESSION_TOKEN"] ?? environment["AWS_SECURITY_TOKEN"],
                    expiration: environment["AWS_CREDENTIAL_EXPIRATION"].flatMap(ISO8601.parse)))
        case (nil, _):
            throw CredentialError.failed(
                source: name, problem: "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
                fix: "Export both variables, or neither to use a profile.")
        case (_, nil):
            throw CredentialError.failed(
                source: name, problem: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
                fix: "Export both variables, or neither to use a profile.")
        }
    }
}
