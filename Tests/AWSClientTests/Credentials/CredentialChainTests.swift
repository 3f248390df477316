import Foundation
import Testing

@testable import AWSClient

/// Which source the chain picks, with fixture files in a scratch home and an environment passed in (never the
/// process's own). The metadata service is off in `TestHome`, so "nothing found" is reached quickly.
@Suite("Credential chain precedence")
struct CredentialChainTests {
    private func resolve(_ home: TestHome, _ variables: [String: String] = [:], profile: String? = nil) async throws
        -> AWSCredentials
    {
        try await withSession(home.environment(variables)) { session in
            try await session.credentialProvider(profile: profile).credentials()
        }
    }

    private func failure(_ home: TestHome, _ variables: [String: String] = [:], profile: String? = nil) async
        -> CredentialError?
    {
        do {
            _ = try await resolve(home, variables, profile: profile)
            return nil
        } catch let error as CredentialError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    static let envKeys = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]

    private func writeProfiles(_ home: TestHome) throws {
        try home.credentials(
            """
            # comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret

            [dev]
            aws_access_key_id=AKIDDEV
            aws_secret_access_key=dev-secret
            aws_session_token=dev-token
            """)
        try home.config(
            """
            [default]
            region = eu-west-1

            [profile cfgonly]
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = config-secret

            [dev]
            aws_access_key_id = AKIDNOTAPROFILE
            aws_secret_access_key = not-a-profile
            """)
    }

    @Test("environment keys come first, with their session token")
    func environmentFirst() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            let credentials = try await resolve(home, Self.envKeys.merging(["AWS_SESSION_TOKEN": "env-token"]) { $1 })
            #expect(credentials.accessKeyID == "AKIDENV")
            #expect(credentials.sessionToken == "env-token")
        }
    }

    @Test("AWS_PROFILE does not override keys in the environment (as in the AWS CLI)")
    func environmentBeatsAWSProfile() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            let credentials = try await resolve(home, Self.envKeys.merging(["AWS_PROFILE": "dev"]) { $1 })
            #expect(credentials.accessKeyID == "AKIDENV")
        }
    }

    @Test("an explicitly requested profile skips the environment keys")
    func explicitProfileSkipsEnvironment() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            let credentials = try await resolve(home, Self.envKeys, profile: "dev")
            #expect(credentials.accessKeyID == "AKIDDEV")
            #expect(credentials.sessionToken == "dev-token")
            #expect(credentials.expiration == nil)
        }
    }

    @Test("without environment keys: [default], or the profile AWS_PROFILE names; AWS_DEFAULT_PROFILE wins over it")
    func profileSelection() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            #expect(try await resolve(home).accessKeyID == "AKIDDEFAULT")
            #expect(try await resolve(home, ["AWS_PROFILE": "dev"]).accessKeyID == "AKIDDEV")
            #expect(
                try await resolve(home, ["AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "cfgonly"]).accessKeyID
                    == "AKIDCONFIG")
        }
    }

    @Test("the config file needs [profile name]; a bare [name] there is not that profile")
    func configSectionNames() async throws {
        try await withTestHome { home in
            try home.config(
                """
                [profile cfgonly]
                aws_access_key_id = AKIDCONFIG
                aws_secret_access_key = config-secret
                [bare]
                aws_access_key_id = AKIDBARE
                aws_secret_access_key = bare-secret
                """)
            #expect(try await resolve(home, profile: "cfgonly").accessKeyID == "AKIDCONFIG")
            let error = await failure(home, profile: "bare")
            #expect(error?.description.contains("profile \"bare\": not found") == true)
            #expect(error?.description.contains("the profiles there are cfgonly") == true)
        }
    }

    @Test("[default] in the config file, and [profile default] too")
    func defaultInConfig() async throws {
        try await withTestHome { home in
            try home.config("[default]\naws_access_key_id = AKIDCFGDEFAULT\naws_secret_access_key = s\n")
            #expect(try await resolve(home).accessKeyID == "AKIDCFGDEFAULT")
            try home.config("[profile default]\naws_access_key_id = AKIDPROFILEDEFAULT\naws_secret_access_key = s\n")
            #expect(try await resolve(home).accessKeyID == "AKIDPROFILEDEFAULT")
        }
    }

    @Test("for one profile the credentials file beats credential_process, which beats the config file")
    func orderWithinProfile() async throws {
        try await withTestHome { home in
            let script = try home.write(
                "bin/creds", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"p\"}'\n",
                executable: true)
            try home.config(
                """
                [profile p]
                credential_process = \(script)
                aws_access_key_id = AKIDCONFIG
                aws_secret_access_key = config-secret
                """)
            #expect(try await resolve(home, profile: "p").accessKeyID == "AKIDPROC")
            try home.credentials("[p]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\n")
            #expect(try await resolve(home, profile: "p").accessKeyID == "AKIDCREDS")
        }
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files")
    func customFilePaths() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            let credentials = try home.write("elsewhere/creds", "[moved]\naws_access_key_id = AKIDMOVED\naws_secret_access_key = m\n")
            let config = try home.write("elsewhere/conf", "[profile fromconfig]\naws_access_key_id = AKIDMOVEDCFG\naws_secret_access_key = m\n")
            let variables = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
            #expect(try await resolve(home, variables, profile: "moved").accessKeyID == "AKIDMOVED")
            #expect(try await resolve(home, variables, profile: "fromconfig").accessKeyID == "AKIDMOVEDCFG")
            // The files in ~/.aws are no longer read.
            #expect(await failure(home, variables, profile: "dev") != nil)
            // "~/" in the variables means the home directory.
            let tilde = ["AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere/creds"]
            #expect(try await resolve(home, tilde, profile: "moved").accessKeyID == "AKIDMOVED")
        }
    }

    @Test("nothing anywhere: the error lists every source tried, why each had nothing, and what to do")
    func nothingFound() async throws {
        try await withTestHome { home in
            let error = await failure(home)
            guard case .notFound(let tried) = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(tried.map(\.source).count == 5)
            #expect(tried[0].source == "environment variables")
            #expect(tried[0].outcome.contains("AWS_ACCESS_KEY_ID"))
            #expect(tried[1].source == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)")
            #expect(tried[1].outcome.contains("AWS_ROLE_ARN"))
            #expect(tried[2].source == "profile \"default\"")
            #expect(tried[2].outcome.contains("(not found)"))
            #expect(tried[3].source == "container credentials endpoint")
            #expect(tried[4].source.hasPrefix("EC2 instance metadata"))
            #expect(tried[4].outcome.contains("AWS_EC2_METADATA_DISABLED"))
            let text = error?.description ?? ""
            #expect(text.contains("no AWS credentials found"))
            #expect(text.contains("To fix:"))
            #expect(text.contains("aws configure --profile"))
        }
    }

    @Test("a profile named by AWS_PROFILE that does not exist is an error, not a silent fall-through")
    func missingNamedProfile() async throws {
        try await withTestHome { home in
            try writeProfiles(home)
            let error = await failure(home, ["AWS_PROFILE": "prod"])
            #expect(error?.description.contains("profile \"prod\": not found") == true)
            #expect(error?.description.contains("cfgonly, default, dev") == true)
        }
    }

    @Test("half a key pair is an error, in the environment and in a profile")
    func partialKeys() async throws {
        try await withTestHome { home in
            let fromEnvironment = await failure(home, ["AWS_ACCESS_KEY_ID": "AKIDHALF"])
            #expect(fromEnvironment?.description.contains("AWS_SECRET_ACCESS_KEY is not") == true)
            try home.credentials("[half]\naws_access_key_id = AKIDHALF\n")
            let fromProfile = await failure(home, profile: "half")
            #expect(fromProfile?.description.contains("only one of aws_access_key_id and aws_secret_access_key") == true)
        }
    }

    @Test("role profiles that cannot work are explained before any call: loop, no source, both sources, MFA")
    func roleMisconfigurations() async throws {
        try await withTestHome { home in
            try home.config(
                """
                [profile a]
                role_arn = arn:aws:iam::111122223333:role/a
                source_profile = b
                [profile b]
                role_arn = arn:aws:iam::111122223333:role/b
                source_profile = c
                [profile c]
                role_arn = arn:aws:iam::111122223333:role/c
                source_profile = a
                [profile nosource]
                role_arn = arn:aws:iam::111122223333:role/x
                [profile both]
                role_arn = arn:aws:iam::111122223333:role/x
                source_profile = a
                credential_source = Environment
                [profile mfa]
                role_arn = arn:aws:iam::111122223333:role/x
                source_profile = a
                mfa_serial = arn:aws:iam::111122223333:mfa/me
                [profile badsource]
                role_arn = arn:aws:iam::111122223333:role/x
                credential_source = Laptop
                [profile envsource]
                role_arn = arn:aws:iam::111122223333:role/x
                credential_source = Environment
                [profile dangling]
                role_arn = arn:aws:iam::111122223333:role/x
                source_profile = nowhere
                """)
            #expect(await failure(home, profile: "a")?.description.contains("source_profile loop: a -> b -> c -> a") == true)
            #expect(await failure(home, profile: "nosource")?.description.contains("neither source_profile nor credential_source") == true)
            #expect(await failure(home, profile: "both")?.description.contains("both source_profile and credential_source") == true)
            #expect(await failure(home, profile: "mfa")?.description.contains("MFA") == true)
            #expect(await failure(home, profile: "badsource")?.description.contains("Ec2InstanceMetadata") == true)
            #expect(await failure(home, profile: "envsource")?.description.contains("credential_source = Environment, but environment variables has none") == true)
            #expect(await failure(home, profile: "dangling")?.description.contains("source_profile \"nowhere\" is not in") == true)
        }
    }

    @Test("the chain sticks with the source that answered, and walks again when it has nothing any more")
    func chainIsSticky() async throws {
        let first = FlippingSource(name: "first", answers: [.found(.init(accessKeyID: "ONE", secretAccessKey: "s")), .absent("gone")])
        let second = FlippingSource(name: "second", answers: [.found(.init(accessKeyID: "TWO", secretAccessKey: "s"))])
        let chain = CredentialChain(sources: [first, second])
        #expect(try await chain.load().accessKeyID == "ONE")
        #expect(chain.chosenSourceName == "first")
        #expect(try await chain.load().accessKeyID == "TWO")
        #expect(chain.chosenSourceName == "second")
        #expect(await second.calls == 1)
    }
}

/// A source that gives its answers in turn (repeating the last).
actor FlippingSource: CredentialSource {
    nonisolated let name: String
    private let answers: [CredentialLookup]
    private(set) var calls = 0

    init(name: String, answers: [CredentialLookup]) {
        self.name = name
        self.answers = answers
    }

    func load() async throws(CredentialError) -> CredentialLookup {
        defer { calls += 1 }
        return answers[min(calls, answers.count - 1)]
    }
}
