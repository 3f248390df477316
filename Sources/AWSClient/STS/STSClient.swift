import FednsSupport
import Foundation

/// The parameters of `sts:AssumeRole`.
public struct AssumeRoleRequest: Sendable, Hashable {
    public var roleARN: String
    /// Shows in CloudTrail as who assumed the role.
    public var sessionName: String
    public var externalID: String?
    /// 900 to the role's maximum (default 3600).
    public var durationSeconds: Int?

    public init(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
    }
}

/// What `AssumeRole` returns.
public struct AssumedRole: Sendable, Hashable {
    public var credentials: AWSCredentials
    /// `arn:aws:sts::111122223333:assumed-role/dns-readonly/fedns`.
    public var assumedRoleARN: String?

    public init(credentials: AWSCredentials, assumedRoleARN: String? = nil) {
        self.credentials = credentials
        self.assumedRoleARN = assumedRoleARN
    }
}

/// The STS query API (version 2011-06-15), on regional endpoints so that tokens work in opt-in regions.
public struct STSClient: Sendable {
    static let apiVersion = "2011-06-15"

    let query: QueryClient
    let credentials: any CredentialProvider

    init(context: AWSContext, credentials: any CredentialProvider) {
        query = QueryClient(context: context)
        self.credentials = credentials
    }

    /// Assumes a role with this client's credentials. `region` chooses the regional endpoint; nil uses the
    /// global one (`sts.amazonaws.com`).
    public func assumeRole(_ request: AssumeRoleRequest, region: String?) async throws(AWSClientError) -> AssumedRole {
        var form = QueryForm(action: "AssumeRole", version: Self.apiVersion)
        form.append("RoleArn", request.roleARN)
        form.append("RoleSessionName", request.sessionName)
        if let externalID = request.externalID { form.append("ExternalId", externalID) }
        if let duration = request.durationSeconds { form.append("DurationSeconds", String(duration)) }
        let document = try await query.call(.sts, form: form, region: region, credentials: credentials)
        do throws(MissingElement) {
            return try Self.parseAssumeRole(document)
        } catch {
            throw AWSClientError(
                .malformedResponse("AssumeRoleResponse has no \(error.path)"), operation: "sts:AssumeRole",
                region: region)
        }
    }

    /// `sts:AssumeRoleWithWebIdentity`: a role for an OIDC token (EKS service accounts, GitHub Actions). The call
    /// is not signed: the token is the proof.
    static func assumeRoleWithWebIdentity(
        _ request: AssumeRoleRequest, token: String, region: String?, context: AWSContext
    ) async throws(AWSClientError) -> AssumedRole {
        var form = QueryForm(action: "AssumeRoleWithWebIdentity", version: apiVersion)
        form.append("RoleArn", request.roleARN)
        form.append("RoleSessionName", request.sessionName)
        form.append("WebIdentityToken", token)
        if let duration = request.durationSeconds { form.append("DurationSeconds", String(duration)) }
        let document = try await QueryClient(context: context).call(.sts, form: form, region: region, credentials: nil)
        do throws(MissingElement) {
            return try parseAssumeRole(document, result: "AssumeRoleWithWebIdentityResult")
        } catch {
            throw AWSClientError(
                .malformedResponse("AssumeRoleWithWebIdentityResponse has no \(error.path)"),
                operation: "sts:AssumeRoleWithWebIdentity", region: region)
        }
    }

    package struct MissingElement: Error {
        package var path: String
    }

    /// `AssumeRoleResult` (or `AssumeRoleWithWebIdentityResult`, the same shape) to credentials.
    package static func parseAssumeRole(_ document: XMLDocument, result resultName: StaticString = "AssumeRoleResult") throws(MissingElement)
        -> AssumedRole
    {
        guard let result = document.root.child(resultName) else {
            throw MissingElement(path: "\(resultName)")
        }
        guard let credentials = result.child("Credentials") else {
            throw MissingElement(path: "\(resultName)/Credentials")
        }
        guard let keyID = credentials.childText("AccessKeyId"),
            let secret = credentials.childText("SecretAccessKey"),
            let token = credentials.childText("SessionToken")
        else {
            throw MissingElement(path: "AccessKeyId, SecretAccessKey or SessionToken in Credentials")
        }
        guard let expiration = credentials.childText("Expiration").flatMap(ISO8601.parse) else {
            throw MissingElement(path: "valid Credentials/Expiration")
        }
        return AssumedRole(
            credentials: AWSCredentials(
                accessKeyID: keyID, secretAccessKey: secret, sessionToken: token, expiration: expiration),
            assumedRoleARN: result.child("AssumedRoleUser")?.childText("Arn"))
    }
}
