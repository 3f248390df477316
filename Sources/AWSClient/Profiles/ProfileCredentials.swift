import Foundation

/// A named profile of `~/.aws/credentials` and `~/.aws/config`, as a link in the credential chain.
///
/// Within a profile the AWS CLI's order applies: `role_arn` (with `web_identity_token_file`, `source_profile` or
/// `credential_source`), then IAM Identity Center (`sso_session`, or the legacy `sso_start_url`), then keys in the
/// credentials file, then `credential_process`, then keys in the config file.
struct ProfileCredentials: CredentialSource {
    var profile: String
    /// Chosen by the caller or `AWS_PROFILE` rather than being the implicit `default`: then a missing profile is
    /// an error, not a reason to move on to the metadata service.
    var isExplicit: Bool
    var context: AWSContext

    var name: String { "profile \"\(profile)\"" }

    func load() async throws(CredentialError) -> CredentialLookup {
        let store = try ProfileStore.load(context.environment)
        guard store.profile(profile) != nil else {
            guard isExplicit || profile != "default" else {
                return .absent("no [default] section in \(store.locations)")
            }
            let known = store.profileNames
            throw CredentialError.failed(
                source: name,
                problem: "not found in \(store.locations)"
                    + (known.isEmpty ? "" : "; the profiles there are \(known.joined(separator: ", "))"),
                fix: "Check the name, or create it with `aws configure --profile \(profile)`.")
        }
        return try await resolve(profile, in: store, chain: [])
    }

    /// The credentials of `name`; `chain` lists the profiles whose `source_profile` led here, to catch loops.
    private func resolve(_ name: String, in store: ProfileStore, chain: [String]) async throws(CredentialError)
        -> CredentialLookup
    {
        let label = "profile \"\(name)\""
        guard let settings = store.profile(name) else {
            throw CredentialError.failed(
                source: "profile \"\(chain.last ?? name)\"",
                problem: "its source_profile \"\(name)\" is not in \(store.locations)",
                fix: "Point source_profile at an existing profile.")
        }
        if let roleARN = settings["role_arn"] {
            if let tokenFile = settings["web_identity_token_file"] {
                let identity = WebIdentity(
                    roleARN: roleARN, tokenFile: context.environment.expandingTilde(tokenFile),
                    sessionName: settings["role_session_name"], durationSeconds: settings["duration_seconds"].flatMap { Int($0) })
                return .found(try await identity.credentials(region: region(of: settings), context: context, describedAs: label))
            }
            return .found(try await assumeRole(roleARN, profile: name, settings: settings, store: store, chain: chain))
        }
        if let sso = try SSOProfile.read(profile: name, settings: settings, store: store) {
            return .found(try await sso.credentials(context: context))
        }
        if let keys = try staticKeys(store.credentialsSection(name), profile: name, file: store.credentialsPath) {
            return .found(keys)
        }
        if let command = settings["credential_process"] {
            let process = CredentialProcess(
                commandLine: command, profile: name, environment: context.environment,
                timeout: context.configuration.credentialProcessTimeout)
            return .found(try await process.run())
        }
        if let keys = try staticKeys(store.configSection(name), profile: name, file: store.configPath) {
            return .found(keys)
        }
        if settings["web_identity_token_file"] != nil {
            throw CredentialError.failed(
                source: label, problem: "has web_identity_token_file but no role_arn",
                fix: "Add role_arn = the role the token may assume.")
        }
        return .absent("\(label) has no aws_access_key_id, role_arn or credential_process")
    }

    /// `aws_access_key_id` with `aws_secret_access_key` (and `aws_session_token`) from one section.
    private func staticKeys(_ section: [String: String]?, profile: String, file: String) throws(CredentialError)
        -> AWSCredentials?
    {
        guard let section else { return nil }
        let keyID = section["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = section["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyID, secret) {
        case (nil, nil):
            return nil
        case (let keyID?, let secret?):
            return AWSCredentials(
                accessKeyID: keyID, secretAccessKey: secret,
                sessionToken: section["aws_session_token"] ?? section["aws_security_token"])
        default:
            throw CredentialError.failed(
                source: "profile \"\(profile)\" in \(file)",
                problem: "has only one of aws_access_key_id and aws_secret_access_key",
                fix: "Set both keys (or remove both).")
        }
    }

    private func assumeRole(
        _ roleARN: String, profile: String, settings: [String: String], store: ProfileStore, chain: [String]
    ) async throws(CredentialError) -> AWSCredentials {
        let label = "profile \"\(profile)\""
        func misconfigured(_ problem: String, _ fix: String) -> CredentialError {
            .failed(source: label, problem: problem, fix: fix)
        }
        if settings["mfa_serial"] != nil {
            throw misconfigured(
                "its role needs an MFA code (mfa_serial), which a background service cannot ask for",
                "Use a role without MFA for discovery, or a credential_process that caches an MFA session.")
        }
        let source: any CredentialProvider
        switch (settings["source_profile"], settings["credential_source"]) {
        case (_?, _?):
            throw misconfigured(
                "has both source_profile and credential_source", "Keep the one that says where the base keys are.")
        case (nil, nil):
            throw misconfigured(
                "has role_arn but neither source_profile nor credential_source",
                "Add source_profile = <profile with keys> or credential_source = Ec2InstanceMetadata.")
        case (let sourceProfile?, nil):
            source = StaticCredentialProvider(
                try await sourceCredentials(sourceProfile, of: profile, store: store, chain: chain))
        case (nil, let credentialSource?):
            source = StaticCredentialProvider(try await namedSourceCredentials(credentialSource, profile: profile))
        }

        var duration: Int?
        if let text = settings["duration_seconds"] {
            guard let seconds = Int(text), seconds >= 900 else {
                throw misconfigured(
                    "duration_seconds is \"\(text)\"", "Use a whole number of seconds from 900 to the role's maximum.")
            }
            duration = seconds
        }
        let request = AssumeRoleRequest(
            roleARN: roleARN,
            sessionName: settings["role_session_name"]
                ?? "\(context.configuration.roleSessionName)-\(Int(Date().timeIntervalSince1970))",
            externalID: settings["external_id"], durationSeconds: duration)
        return try await AssumeRoleCredentials.fetch(
            request, region: region(of: settings), source: source, context: context, describedAs: label)
    }

    /// Where STS is asked: the profile's region, else the environment's.
    private func region(of settings: [String: String]) -> String? {
        settings["region"] ?? context.environment["AWS_REGION"] ?? context.environment["AWS_DEFAULT_REGION"]
    }

    /// The credentials of a `source_profile`, which may itself assume a role or run a process.
    private func sourceCredentials(
        _ sourceProfile: String, of profile: String, store: ProfileStore, chain: [String]
    ) async throws(CredentialError) -> AWSCredentials {
        // A role profile may name itself as its source when it also holds the keys to assume the role with.
        if sourceProfile == profile {
            var keys = try staticKeys(
                store.credentialsSection(profile), profile: profile, file: store.credentialsPath)
            if keys == nil {
                keys = try staticKeys(store.configSection(profile), profile: profile, file: store.configPath)
            }
            guard let keys else {
                throw CredentialError.failed(
                    source: "profile \"\(profile)\"", problem: "is its own source_profile but has no keys",
                    fix: "Add aws_access_key_id and aws_secret_access_key, or point source_profile elsewhere.")
            }
            return keys
        }
        let path = chain + [profile]
        if path.contains(sourceProfile) {
            throw CredentialError.failed(
                source: "profile \"\(path[0])\"",
                problem: "source_profile loop: \((path + [sourceProfile]).joined(separator: " -> "))",
                fix: "Make one profile in the loop hold keys (or credential_source) instead of another source_profile.")
        }
        switch try await resolve(sourceProfile, in: store, chain: path) {
        case .found(let credentials):
            return credentials
        case .absent(let reason):
            throw CredentialError.failed(
                source: "profile \"\(profile)\"", problem: "its source_profile has no credentials: \(reason)",
                fix: "Give profile \"\(sourceProfile)\" keys, a role or a credential_process.")
        }
    }

    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    private func namedSourceCredentials(_ credentialSource: String, profile: String) async throws(CredentialError)
        -> AWSCredentials
    {
        let source: any CredentialSource
        switch credentialSource {
        case "Environment": source = EnvironmentCredentials(environment: context.environment)
        case "Ec2InstanceMetadata": source = InstanceMetadataCredentials(client: InstanceMetadataClient(context: context))
        case "EcsContainer": source = ContainerCredentials(context: context)
        default:
            throw CredentialError.failed(
                source: "profile \"\(profile)\"", problem: "credential_source is \"\(credentialSource)\"",
                fix: "Use Environment, Ec2InstanceMetadata or EcsContainer.")
        }
        switch try await source.load() {
        case .found(let credentials):
            return credentials
        case .absent(let reason):
            throw CredentialError.failed(
                source: "profile \"\(profile)\"",
                problem: "credential_source = \(credentialSource), but \(source.name) has none: \(reason)",
                fix: "Run where that source exists, or use source_profile.")
        }
    }
}
