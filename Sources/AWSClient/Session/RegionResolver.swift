/// Finds the region to use, reporting every place it looked when there is none.
struct RegionResolver: Sendable {
    var context: AWSContext

    func region(profile explicitProfile: String?) async throws(AWSClientError) -> String {
        let environment = context.environment
        var tried: [SourceReport] = []
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = environment[variable] { return region }
            tried.append(SourceReport(source: variable, outcome: "not set"))
        }

        let profile = explicitProfile ?? environment.first("AWS_DEFAULT_PROFILE", "AWS_PROFILE")?.value ?? "default"
        do throws(CredentialError) {
            let store = try ProfileStore.load(environment)
            if let region = store.profile(profile)?["region"], !region.isEmpty { return region }
            tried.append(
                SourceReport(
                    source: "profile \"\(profile)\"",
                    outcome: store.profile(profile) == nil
                        ? "no such profile in \(store.locations)" : "has no region setting"))
        } catch {
            throw AWSClientError(.credentials(error), operation: "region lookup")
        }

        let metadata = InstanceMetadataClient(context: context)
        do throws(InstanceMetadataClient.Problem) {
            let region = try await metadata.region()
            if !region.isEmpty { return region }
            tried.append(SourceReport(source: "EC2 instance metadata", outcome: "returned an empty region"))
        } catch {
            switch error {
            case .unavailable(let reason), .failed(let reason):
                tried.append(SourceReport(source: "EC2 instance metadata (\(metadata.endpoint))", outcome: reason))
            }
        }

        let lines = tried.map { "  - \($0.source): \($0.outcome)" }.joined(separator: "\n")
        throw AWSClientError(
            .configuration(
                """
                no AWS region configured. Tried, in order:
                \(lines)
                To fix: set AWS_REGION (e.g. eu-west-1), or run `aws configure set region eu-west-1 --profile \(profile)`
                """), operation: "region lookup")
    }
}
