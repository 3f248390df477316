import Foundation
import Testing

@testable import AWSClient

/// The whole client against a real moto_server that checks every signature with botocore and every action
/// against IAM policies: a wrongly signed request (body encoding, session token, NextToken) fails here.
@Suite("Integration with moto_server (signatures checked)", .motoServer)
struct MotoIntegrationTests {
    private var moto: MotoServer {
        get throws { try #require(MotoServer.current, "the .motoServer trait provides a running moto") }
    }

    /// A session whose endpoints all point at moto, through `AWS_ENDPOINT_URL` as a user would set it, in a
    /// scratch home where `files` may write `~/.aws` fixtures.
    private func withMotoSession<Result>(
        _ extra: [String: String] = [:], files: (TestHome) throws -> Void = { _ in },
        _ body: (AWSSession) async throws -> Result
    ) async throws -> Result {
        let endpoint = try moto.endpoint
        return try await withTestHome { home in
            try files(home)
            let environment = home.environment(["AWS_ENDPOINT_URL": endpoint].merging(extra) { _, new in new })
            return try await withSession(environment, body)
        }
    }

    private func reader() throws -> StaticCredentialProvider {
        StaticCredentialProvider(try moto.seed.reader.credentials)
    }

    @Test("us-east-1: named, stopped and untagged instances, read field by field")
    func describeInstancesUSEast1() async throws {
        let seed = try moto.seed
        try await withMotoSession { session in
            let reservations = try await session.ec2(credentials: try reader()).describeInstances(region: "us-east-1")
            #expect(Set(reservations.instanceIDs) == Set(["web-1", "web-2", "db-1", "untagged"].compactMap { seed.instances[$0] }))
            #expect(reservations.allSatisfy { $0.ownerId == seed.account })
            let byID = Dictionary(uniqueKeysWithValues: reservations.flatMap(\.instances).map { ($0.instanceId, $0) })
            func instance(_ name: String) throws -> EC2Instance {
                try #require(seed.instances[name].flatMap { byID[$0] }, "\(name) was described")
            }
            let web = try instance("web-1")
            #expect(web.tags == ["Name": "web-1", "env": "test"])
            #expect(web.stateName == "running")
            #expect(web.instanceType == "t3.micro")
            #expect(web.availabilityZone?.hasPrefix("us-east-1") == true)
            #expect(web.privateIpAddress != nil)
            #expect(web.networkInterfaces.count == 1)
            #expect(web.ipAddress != nil)
            #expect(web.privateDnsName != nil)
            #expect(web.dnsName != nil)
            #expect(web.launchTime != nil)
            #expect(try instance("db-1").stateName == "stopped")
            let untagged = try instance("untagged")
            #expect(untagged.tags["Name"] == nil)
            #expect(untagged.tags.isEmpty)
        }
    }

    @Test("an instance-state-name filter is applied by the server")
    func stateFilter() async throws {
        let seed = try moto.seed
        try await withMotoSession { session in
            let running = try await session.ec2(credentials: try reader())
                .describeInstances(region: "us-east-1", filters: [.instanceStates(["running"])])
            #expect(running.instanceIDs.count == 3)
            let stopped = try #require(seed.instances["db-1"])
            #expect(!running.instanceIDs.contains(stopped))
        }
    }

    @Test("the signing region selects the region's data: eu-west-1 has only eu-web-1")
    func otherRegion() async throws {
        try await withMotoSession { session in
            let instances = try await session.ec2(credentials: try reader()).describeInstances(region: "eu-west-1")
                .flatMap(\.instances)
            #expect(instances.map { $0.tags["Name"] } == ["eu-web-1"])
            #expect(instances.first?.availabilityZone?.hasPrefix("eu-west-1") == true)
        }
    }

    @Test("IPv6 on the interface and a loopback private address, no public address")
    func ipv6() async throws {
        try await withMotoSession { session in
            let instances = try await session.ec2(credentials: try reader()).describeInstances(region: "us-west-2")
                .flatMap(\.instances)
            let host = try #require(instances.first { $0.tags["Name"] == "v6-host" })
            #expect(host.privateIpAddress == "127.0.1.10")
            let ipv6 = host.networkInterfaces.flatMap(\.ipv6Addresses).map(\.address)
            #expect(ipv6.contains("::1"))
            #expect(ipv6.count == 2)
            #expect(host.ipAddress == nil)
        }
    }

    @Test("more than 1,000 reservations: two signed pages, the second with a NextToken")
    func pagination() async throws {
        let seed = try moto.seed
        try await withMotoSession { session in
            let ec2 = session.ec2(credentials: try reader())
            let first = try await ec2.describeInstancesPage(region: seed.bulkRegion)
            #expect(first.instances.count == 1_000)
            let token = try #require(first.nextToken)
            let second = try await ec2.describeInstancesPage(region: seed.bulkRegion, nextToken: token)
            #expect(second.instances.count == seed.bulkCount - 1_000)
            #expect(second.nextToken == nil)

            let all = try await ec2.describeInstances(region: seed.bulkRegion).flatMap(\.instances)
            #expect(all.count == seed.bulkCount)
            #expect(Set(all.map(\.instanceId)).count == seed.bulkCount)
            #expect(all.filter { $0.tags["Name"]?.hasPrefix("bulk-") == true }.count == (seed.bulkCount + 99) / 100)
        }
    }

    @Test("a wrong secret is a typed auth error (AuthFailure, HTTP 401), not retried")
    func wrongSecret() async throws {
        var credentials = try moto.seed.reader.credentials
        credentials.secretAccessKey += "x"
        try await withMotoSession { session in
            let error = await #expect(throws: AWSClientError.self) {
                try await session.ec2(credentials: StaticCredentialProvider(credentials)).describeInstances(region: "us-east-1")
            }
            #expect(error?.category == .auth)
            #expect(error?.code == "AuthFailure")
            #expect(error?.attempts == 1)
            guard case .service(let serviceError) = error?.reason else {
                Issue.record("expected a service error")
                return
            }
            #expect(serviceError.httpStatus == 401)
            #expect(error?.description.contains(credentials.secretAccessKey) == false)
        }
    }

    @Test("a key whose policy does not allow ec2:DescribeInstances gets AccessDenied")
    func accessDenied() async throws {
        try await withMotoSession { session in
            let provider = StaticCredentialProvider(try moto.seed.noDescribe.credentials)
            let error = await #expect(throws: AWSClientError.self) {
                try await session.ec2(credentials: provider).describeInstances(region: "us-east-1")
            }
            #expect(error?.category == .auth)
            #expect(error?.code == "AccessDenied")
        }
    }

    @Test("DescribeRegions lists only regions that need no opt-in (moto lists all and ignores the filter)")
    func describeRegions() async throws {
        try await withMotoSession { session in
            let regions = try await session.ec2(credentials: try reader()).describeRegions(region: "us-east-1")
            #expect(regions.contains { $0.name == "eu-west-1" })
            #expect(!regions.contains { $0.optInStatus == "not-opted-in" })
            // moto 5.2.1 marks 14 of its 38 regions not-opted-in, ap-east-1 among them.
            #expect(!regions.contains { $0.name == "ap-east-1" })
            #expect(regions.count == 24)
        }
    }

    @Test("sts:AssumeRole directly; the assumed credentials are signed with their session token")
    func assumeRoleDirectly() async throws {
        let seed = try moto.seed
        try await withMotoSession { session in
            let role = try await session.sts(credentials: try reader())
                .assumeRole(AssumeRoleRequest(roleARN: seed.roleARN, sessionName: "fedns-test"), region: "us-east-1")
            #expect(role.credentials.accessKeyID.hasPrefix("ASIA"))
            #expect(role.credentials.sessionToken != nil)
            #expect(role.credentials.expiration != nil)
            #expect(role.assumedRoleARN?.contains("assumed-role/fedns-readonly/fedns-test") == true)

            let instances = try await session.ec2(credentials: StaticCredentialProvider(role.credentials))
                .describeInstances(region: "eu-west-1")
            #expect(instances.flatMap(\.instances).map { $0.tags["Name"] } == ["eu-web-1"])

            var tampered = role.credentials
            tampered.sessionToken = (tampered.sessionToken ?? "") + "x"
            let error = await #expect(throws: AWSClientError.self) {
                try await session.ec2(credentials: StaticCredentialProvider(tampered)).describeInstances(region: "eu-west-1")
            }
            #expect(error?.category == .auth)
        }
    }

    @Test("profiles: role_arn + source_profile (and a role assumed from a role) through moto's STS")
    func assumeRoleProfiles() async throws {
        let seed = try moto.seed
        let files = { (home: TestHome) throws in
            try home.credentials(
                """
                [base]
                aws_access_key_id = \(seed.reader.accessKeyID)
                aws_secret_access_key = \(seed.reader.secretAccessKey)
                """)
            try home.config(
                """
                [profile ops]
                role_arn = \(seed.roleARN)
                source_profile = base
                role_session_name = ops-session
                region = us-east-1

                [profile ops-again]
                role_arn = \(seed.roleARN)
                source_profile = ops
                """)
        }
        try await withMotoSession(files: files) { session in
            let provider = session.credentialProvider(profile: "ops")
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID.hasPrefix("ASIA"))
            #expect(credentials.sessionToken != nil)
            let instances = try await session.ec2(credentials: provider).describeInstances(region: "us-east-1")
            #expect(instances.count == 4)
            // Cached: the same credentials until they near expiry.
            let again = try await provider.credentials()
            #expect(again == credentials)

            let chained = try await session.credentialProvider(profile: "ops-again").credentials()
            #expect(chained.accessKeyID.hasPrefix("ASIA"))
            #expect(chained.accessKeyID != credentials.accessKeyID)
        }
    }

    @Test("AWS_PROFILE selects the role profile in the default chain")
    func defaultChainWithProfile() async throws {
        let seed = try moto.seed
        let files = { (home: TestHome) throws in
            try home.credentials(
                "[base]\naws_access_key_id = \(seed.reader.accessKeyID)\naws_secret_access_key = \(seed.reader.secretAccessKey)\n")
            try home.config("[profile ops]\nrole_arn = \(seed.roleARN)\nsource_profile = base\n")
        }
        try await withMotoSession(["AWS_PROFILE": "ops", "AWS_REGION": "eu-west-1"], files: files) { session in
            let region = try await session.region()
            let instances = try await session.ec2(credentials: session.credentialProvider())
                .describeInstances(region: region)
            #expect(instances.flatMap(\.instances).map { $0.tags["Name"] } == ["eu-web-1"])
        }
    }
}
