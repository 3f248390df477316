import Logging
import NIOHTTP1

/// Sends signed calls to AWS query-protocol APIs (EC2, STS) and returns the parsed XML of the answer, retrying
/// the way the SDKs' standard mode does.
struct QueryClient: Sendable {
    var context: AWSContext

    /// - Parameters:
    ///   - provider: the credentials to sign with; nil sends the call unsigned (the STS calls that take a token
    ///     instead, such as `AssumeRoleWithWebIdentity`).
    ///   - account: whose request buckets the call draws on (EC2 throttles per account, region and action); nil:
    ///     no client-side limit (STS, whose limits are not EC2's).
    func call(
        _ service: AWSService, form: QueryForm, region: String?, credentials provider: (any CredentialProvider)?,
        account: String? = nil
    ) async throws(AWSClientError) -> XMLDocument {
        let action = form.parameters.first?.value ?? "?"
        let operation = "\(service.rawValue):\(action)"
        let endpoint = try context.endpoints.endpoint(for: service, region: region)
        let url = endpoint.url.url(path: endpoint.url.path)
        let policy = context.configuration.retry
        let bucket = account.map { RateLimitKey(identity: $0, region: region ?? "global", action: action) }
        let started = policy.now()

        var attempts = 0
        var retryableFailures = 0
        var refreshedCredentials = false
        var correctedClock = false
        var lastReason: AWSClientError.Reason?
        func failure(_ reason: AWSClientError.Reason) -> AWSClientError {
            AWSClientError(reason, operation: operation, region: region, endpoint: url, attempts: attempts)
        }

        while true {
            var credentials: AWSCredentials?
            if let provider {
                do {
                    credentials = try await provider.credentials()
                } catch {
                    throw failure(.credentials(error))
                }
            }
            if let bucket {
                do {
                    try await context.limiter.acquire(bucket)
                } catch {
                    throw failure(lastReason ?? .transport(.connectionFailed("cancelled before the request was sent")))
                }
            }
            attempts += 1
            let reason: AWSClientError.Reason
            switch await exchange(form: form, endpoint: endpoint, service: service, credentials: credentials) {
            case .success(let document): return document
            case .failure(let failed): reason = failed.reason
            }
            lastReason = reason

            // Two failures are fixed on our side and then retried once, outside the retry budget.
            if case .service(let serviceError) = reason {
                if serviceError.category == .clockSkew, !correctedClock, let date = serviceError.serverDate,
                    let previous = context.clock.correct(serverDate: date)
                {
                    correctedClock = true
                    // Logged once per change of the clock, not once per request that learnt it (a minute is far
                    // within the five minutes a signature is valid for).
                    if abs(context.clock.currentOffset - previous) > 60 {
                        context.logger.warning(
                            "AWS reports this machine's clock is off; signing with the corrected time",
                            metadata: [
                                "offset_seconds": "\(Int(context.clock.currentOffset))", "operation": "\(operation)",
                            ])
                    }
                    continue
                }
                if serviceError.category == .expiredCredentials, !refreshedCredentials, let provider {
                    refreshedCredentials = true
                    await provider.invalidate()
                    continue
                }
            }

            let category = failure(reason).category
            if category == .throttling, let bucket {
                let event = context.limiter.throttled(bucket)
                context.configuration.throttleObserver?(event)
            }
            if category.isRetryable { retryableFailures += 1 }
            guard policy.allowsRetry(after: retryableFailures, category: category, startedAt: started), !Task.isCancelled
            else {
                throw failure(reason)
            }
            let delay = policy.backoff(afterAttempt: retryableFailures)
            context.logger.debug(
                "retrying AWS call",
                metadata: [
                    "operation": "\(operation)", "region": "\(region ?? "global")", "attempt": "\(attempts)",
                    "category": "\(category.rawValue)", "delay": "\(delay)",
                ])
            do {
                try await policy.sleep(delay)
            } catch {
                throw failure(reason)  // Cancelled while waiting: report what failed last.
            }
        }
    }

    /// A failed exchange, boxed so the reason can travel in a `Result`.
    private struct Failure: Error {
        var reason: AWSClientError.Reason
    }

    /// One signed request and its answer.
    private func exchange(
        form: QueryForm, endpoint: ResolvedEndpoint, service: AWSService, credentials: AWSCredentials?
    ) async -> Result<XMLDocument, Failure> {
        let body = form.body
        let unsigned = SigningRequest(
            method: "POST", path: endpoint.url.path,
            headers: [
                .init("Host", endpoint.url.hostHeader),
                .init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ], body: body)
        let headers =
            credentials.map {
                SigV4Signer(region: endpoint.signingRegion, service: service.rawValue)
                    .sign(unsigned, credentials: $0, date: context.clock.now()).headers
            } ?? unsigned.headers
        let response: HTTPTransport.Response
        do {
            response = try await context.transport.send(
                .init(
                    method: .POST, url: endpoint.url.url(path: endpoint.url.path), headers: headers, body: body,
                    timeout: context.configuration.requestTimeout))
        } catch {
            return .failure(Failure(reason: .transport(error)))
        }
        guard (200..<300).contains(response.status) else {
            return .failure(
                Failure(
                    reason: .service(
                        AWSServiceError.parse(status: response.status, headers: response.headers, body: response.body)
                    )))
        }
        do {
            return .success(try XMLDocument.parse(response.body))
        } catch {
            return .failure(Failure(reason: .malformedResponse(error.description)))
        }
    }
}
