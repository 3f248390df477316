import Foundation

/// What discovery needs from EC2, as a protocol so that a refresher can be tested with a fake.
public protocol EC2Describing: Sendable {
    func describeInstances(region: String, filters: [EC2Filter]) async throws(AWSClientError) -> [EC2Reservation]
    func describeRegions(region: String) async throws(AWSClientError) -> [EC2Region]
}

/// The EC2 query API (version 2016-11-15): the two calls discovery needs, and StartInstances for `ec2ssh --start`.
public struct EC2Client: EC2Describing {
    static let apiVersion = "2016-11-15"
    /// EC2's maximum page size. Sending it always also keeps the call out of the stricter throttling bucket for
    /// unpaginated calls.
    static let pageSize = 1000

    let query: QueryClient
    let credentials: any CredentialProvider
    /// Whose request buckets the calls draw on (see `AWSSession.ec2(credentials:account:)`).
    let account: String

    init(context: AWSContext, credentials: any CredentialProvider, account: String = "default") {
        query = QueryClient(context: context)
        self.credentials = credentials
        self.account = account
    }

    /// Every reservation in `region` with instances matching `filters`, all pages.
    public func describeInstances(region: String, filters: [EC2Filter] = []) async throws(AWSClientError)
        -> [EC2Reservation]
    {
        var reservations: [EC2Reservation] = []
        var token: String?
        var seenTokens: Set<String> = []
        repeat {
            let page = try await describeInstancesPage(region: region, filters: filters, nextToken: token)
            reservations += page.reservations
            token = page.nextToken
            // A token that comes back twice would loop forever; no real answer does that.
            if let token, !seenTokens.insert(token).inserted {
                throw AWSClientError(
                    .malformedResponse("nextToken \"\(token)\" repeated; stopping instead of looping"),
                    operation: "ec2:DescribeInstances", region: region)
            }
        } while token != nil
        return reservations
    }

    /// One page of up to 1,000 instances, for callers that want to stream or bound memory.
    public func describeInstancesPage(
        region: String, filters: [EC2Filter] = [], nextToken: String? = nil
    ) async throws(AWSClientError) -> DescribeInstancesPage {
        var form = QueryForm(action: "DescribeInstances", version: Self.apiVersion)
        form.append("MaxResults", String(Self.pageSize))
        if let nextToken { form.append("NextToken", nextToken) }
        EC2Filter.append(filters, to: &form)
        let document = try await query.call(.ec2, form: form, region: region, credentials: credentials, account: account)
        do throws(DescribeInstancesReader.MissingInstanceID) {
            return try DescribeInstancesReader.page(document)
        } catch {
            throw AWSClientError(
                .malformedResponse(
                    "an instance in reservation \(error.reservationID ?? "(no id)") has no instanceId"),
                operation: "ec2:DescribeInstances", region: region)
        }
    }

    /// The regions enabled for the account, asked in `region`. Regions the account has not opted into are left
    /// out here, as real EC2 does unless asked for all (moto lists them regardless).
    public func describeRegions(region: String) async throws(AWSClientError) -> [EC2Region] {
        let form = QueryForm(action: "DescribeRegions", version: Self.apiVersion)
        return Self.regions(in: try await query.call(.ec2, form: form, region: region, credentials: credentials, account: account))
    }

    /// The `regionInfo` items of a DescribeRegions answer, those not opted out of.
    package static func regions(in document: XMLDocument) -> [EC2Region] {
        document.root.items("regionInfo").compactMap { item in
            guard let name = item.childText("regionName") else { return nil }
            let status = item.childText("optInStatus")
            guard status != "not-opted-in" else { return nil }
            return EC2Region(name: name, endpoint: item.childText("regionEndpoint"), optInStatus: status)
        }
    }

    /// Asks EC2 to start stopped instances (a mutating call: the credentials need `ec2:StartInstances`). Returns
    /// each instance's state before and right after the call; it becomes `running` later (poll DescribeInstances).
    public func startInstances(region: String, ids: [String]) async throws(AWSClientError) -> [InstanceStateChange] {
        var form = QueryForm(action: "StartInstances", version: Self.apiVersion)
        for (index, id) in ids.enumerated() { form.append("InstanceId.\(index + 1)", id) }
        let document = try await query.call(.ec2, form: form, region: region, credentials: credentials, account: account)
        return InstanceStateChange.list(document)
    }
}

extension EC2Client {
    /// The console output of an instance (`ec2:GetConsoleOutput`), decoded from base64: what the instance printed
    /// while booting, where cloud-init writes its SSH host keys. nil while the instance has printed nothing yet.
    /// Not `Latest`: the boot-time output is the one that holds the keys.
    public func consoleOutput(region: String, instanceID: String) async throws(AWSClientError) -> String? {
        var form = QueryForm(action: "GetConsoleOutput", version: Self.apiVersion)
        form.append("InstanceId", instanceID)
        let document = try await query.call(.ec2, form: form, region: region, credentials: credentials, account: account)
        guard let encoded = document.root.childText("output"), !encoded.isEmpty else { return nil }
        guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
            throw AWSClientError(
                .malformedResponse("GetConsoleOutput's output is not base64"), operation: "ec2:GetConsoleOutput",
                region: region)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One instance's state change, as StartInstances (and StopInstances) report it.
public struct InstanceStateChange: Sendable, Hashable {
    public var instanceID: String
    public var previousState: String?
    public var currentState: String?

    public init(instanceID: String, previousState: String?, currentState: String?) {
        self.instanceID = instanceID
        self.previousState = previousState
        self.currentState = currentState
    }

    /// `<instancesSet><item><instanceId/><currentState><name/></currentState><previousState>…` items.
    package static func list(_ document: XMLDocument) -> [InstanceStateChange] {
        document.root.items("instancesSet").compactMap { item in
            guard let id = item.childText("instanceId") else { return nil }
            return InstanceStateChange(
                instanceID: id, previousState: item.child("previousState")?.childText("name"),
                currentState: item.child("currentState")?.childText("name"))
        }
    }
}
