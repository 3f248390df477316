import Testing

@testable import AWSClient

@Suite("Endpoints, proxy settings and region resolution")
struct EndpointTests {
    private func resolve(
        _ service: AWSService, _ region: String?, overrides: [AWSService: String] = [:],
        _ variables: [String: String] = [:]
    ) throws(AWSClientError) -> ResolvedEndpoint {
        try EndpointResolver(overrides: overrides, environment: AWSEnvironment(variables))
            .endpoint(for: service, region: region)
    }

    @Test("standard regional endpoints, China's suffix, and global STS without a region")
    func standard() throws {
        #expect(try resolve(.ec2, "eu-west-1").url.url(path: "/") == "https://ec2.eu-west-1.amazonaws.com/")
        #expect(try resolve(.sts, "ap-southeast-2").url.hostHeader == "sts.ap-southeast-2.amazonaws.com")
        #expect(try resolve(.ec2, "cn-north-1").url.hostHeader == "ec2.cn-north-1.amazonaws.com.cn")
        let global = try resolve(.sts, nil)
        #expect(global.url.hostHeader == "sts.amazonaws.com")
        #expect(global.signingRegion == "us-east-1")
    }

    @Test("precedence: explicit override, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL")
    func overrides() throws {
        let variables = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_EC2": "http://[::1]:5001/prefix"]
        let ec2 = try resolve(.ec2, "eu-west-1", variables)
        #expect(ec2.origin == "AWS_ENDPOINT_URL_EC2")
        #expect(ec2.url.hostHeader == "[::1]:5001")
        #expect(ec2.url.path == "/prefix")
        #expect(ec2.url.url(path: ec2.url.path) == "http://[::1]:5001/prefix")
        #expect(ec2.signingRegion == "eu-west-1")
        let sts = try resolve(.sts, "eu-west-1", variables)
        #expect(sts.origin == "AWS_ENDPOINT_URL")
        #expect(sts.url.hostHeader == "127.0.0.1:5000")
        let explicit = try resolve(.ec2, "eu-west-1", overrides: [.ec2: "https://vpce.example.com:443"], variables)
        #expect(explicit.origin == "configuration")
        #expect(explicit.url.hostHeader == "vpce.example.com")
    }

    @Test("a bad endpoint URL or region name is a configuration error naming its source")
    func invalid() {
        #expect(throws: AWSClientError.self) { try resolve(.ec2, "eu-west-1", ["AWS_ENDPOINT_URL_EC2": "localhost:5000"]) }
        do {
            _ = try resolve(.ec2, "eu-west-1", ["AWS_ENDPOINT_URL_EC2": "ftp://x"])
        } catch {
            #expect(error.category == .configuration)
            #expect(error.description.contains("AWS_ENDPOINT_URL_EC2 is \"ftp://x\""))
        }
        for bad in ["", "EU-WEST-1", "eu-west-1.evil.com/x", "eu west"] {
            #expect(throws: AWSClientError.self, "\(bad)") { try resolve(.ec2, bad) }
        }
    }

    @Test("HTTPS_PROXY applies to https endpoints except NO_PROXY hosts and loopback or link-local addresses")
    func proxy() throws {
        let settings = try #require(
            try ProxySettings.from(
                AWSEnvironment(["https_proxy": "http://user:pa55@proxy.corp:3128", "NO_PROXY": "internal.corp, .amazonaws.com.cn,10.1.2.3"])))
        #expect(settings.host == "proxy.corp")
        #expect(settings.port == 3128)
        #expect(settings.username == "user")
        func proxied(_ url: String) -> Bool { EndpointURL(url).map(settings.applies) ?? false }
        #expect(proxied("https://ec2.eu-west-1.amazonaws.com/"))
        #expect(!proxied("https://ec2.cn-north-1.amazonaws.com.cn/"))
        #expect(!proxied("https://api.internal.corp/"))
        #expect(!proxied("https://10.1.2.3/"))
        #expect(!proxied("http://ec2.eu-west-1.amazonaws.com/"))
        #expect(!proxied("https://127.0.0.1:5000/"))
        #expect(!proxied("https://169.254.169.254/"))
        #expect(try ProxySettings.from(AWSEnvironment([:])) == nil)
        #expect(try ProxySettings.from(AWSEnvironment(["HTTPS_PROXY": "proxy.corp:8080"]))?.port == 8080)
        let everything = try #require(try ProxySettings.from(AWSEnvironment(["HTTPS_PROXY": "http://p:1", "no_proxy": "*"])))
        #expect(!everything.applies(to: try #require(EndpointURL("https://ec2.eu-west-1.amazonaws.com"))))
    }

    @Test("a proxy that is not http://host:port fails the session, without echoing its password")
    func badProxy() {
        do {
            _ = try ProxySettings.from(AWSEnvironment(["HTTPS_PROXY": "socks5://user:secret@proxy:1080"]))
            Issue.record("expected an error")
        } catch {
            #expect(error.category == .configuration)
            #expect(error.description.contains("HTTPS_PROXY must look like http://"))
            #expect(!error.description.contains("secret"))
        }
    }

    @Test("region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region; none is an error listing each")
    func region() async throws {
        try await withTestHome { home throws in
            try home.config("[default]\nregion = eu-north-1\n[profile dev]\nregion = sa-east-1\n")
            func region(_ variables: [String: String], profile: String? = nil) async throws -> String {
                try await withSession(home.environment(variables)) { try await $0.region(profile: profile) }
            }
            let fromRegion = try await region(["AWS_REGION": "us-west-1", "AWS_DEFAULT_REGION": "us-west-2"])
            #expect(fromRegion == "us-west-1")
            let fromDefaultRegion = try await region(["AWS_DEFAULT_REGION": "us-west-2"])
            #expect(fromDefaultRegion == "us-west-2")
            let fromDefaultProfile = try await region([:])
            #expect(fromDefaultProfile == "eu-north-1")
            let fromAWSProfile = try await region(["AWS_PROFILE": "dev"])
            #expect(fromAWSProfile == "sa-east-1")
            let fromExplicitProfile = try await region([:], profile: "dev")
            #expect(fromExplicitProfile == "sa-east-1")

            try home.config("[profile other]\noutput = json\n")
            let error = await #expect(throws: AWSClientError.self) { try await region([:]) }
            let text = error?.description ?? ""
            #expect(text.contains("no AWS region configured"))
            #expect(text.contains("AWS_REGION: not set"))
            #expect(text.contains("AWS_DEFAULT_REGION: not set"))
            #expect(text.contains("profile \"default\": no such profile"))
            #expect(text.contains("EC2 instance metadata"))
            #expect(text.contains("To fix: set AWS_REGION"))
        }
    }
}
