import Foundation

/// The AWS services this client speaks to.
public enum AWSService: String, Sendable, Hashable, CaseIterable {
    case ec2
    case sts
    /// IAM Identity Center's portal (`GetRoleCredentials`).
    case sso
    /// IAM Identity Center's OIDC service (`CreateToken`, to refresh an `aws sso login` token).
    case ssoOIDC = "sso-oidc"

    /// The service-specific override variable, as the SDKs name it (`AWS_ENDPOINT_URL_EC2`, `_SSO_OIDC`).
    var endpointVariable: String {
        "AWS_ENDPOINT_URL_\(rawValue.uppercased().replacingOccurrences(of: "-", with: "_"))"
    }

    /// The host of the regional endpoint, before the domain: `ec2.eu-west-1`, `portal.sso.eu-west-1`.
    func hostPrefix(region: String) -> String {
        switch self {
        case .ec2, .sts: return "\(rawValue).\(region)"
        case .sso: return "portal.sso.\(region)"
        case .ssoOIDC: return "oidc.\(region)"
        }
    }
}

/// Where a call goes and the region it is signed for.
struct ResolvedEndpoint: Sendable, Hashable {
    var url: EndpointURL
    var signingRegion: String
    /// Where the URL came from, for error messages (`AWS_ENDPOINT_URL_EC2`, `configuration`, `default`).
    var origin: String
}

/// Chooses the endpoint for a service and region.
///
/// Precedence: the caller's explicit override, then `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then
/// the standard regional endpoint (`https://ec2.eu-west-1.amazonaws.com`). The region still decides the signing
/// scope with an override, which is also how moto tells regions apart.
struct EndpointResolver: Sendable {
    var overrides: [AWSService: String]
    var environment: AWSEnvironment

    func endpoint(for service: AWSService, region: String?) throws(AWSClientError) -> ResolvedEndpoint {
        let operation = "\(service.rawValue) endpoint"
        if let region, !Self.isValidRegion(region) {
            throw AWSClientError(
                .configuration(
                    "\"\(region)\" is not a region name (expected something like eu-west-1: lower-case letters, "
                        + "digits and dashes)"), operation: operation)
        }
        // STS without a region means the global endpoint, signed for us-east-1, as the SDKs do.
        let signingRegion = region ?? "us-east-1"
        let configured: (origin: String, url: String)? =
            overrides[service].map { ("configuration", $0) }
            ?? environment[service.endpointVariable].map { (service.endpointVariable, $0) }
            ?? environment["AWS_ENDPOINT_URL"].map { ("AWS_ENDPOINT_URL", $0) }
        if let (origin, text) = configured {
            guard let url = EndpointURL(text) else {
                throw AWSClientError(
                    .configuration("\(origin) is \"\(text)\", which is not an http:// or https:// URL with a host"),
                    operation: operation, region: region)
            }
            return ResolvedEndpoint(url: url, signingRegion: signingRegion, origin: origin)
        }
        let host: String
        if let region {
            let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
            host = "\(service.hostPrefix(region: region)).\(suffix)"
        } else {
            host = "\(service.rawValue).amazonaws.com"
        }
        guard let url = EndpointURL("https://\(host)") else {
            throw AWSClientError(.configuration("cannot form an endpoint for \(host)"), operation: operation)
        }
        return ResolvedEndpoint(url: url, signingRegion: signingRegion, origin: "default")
    }

    /// Region names become part of a host name, so only DNS-label characters are allowed.
    static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 63
            && region.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            }
    }
}
