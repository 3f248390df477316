import Logging

/// What every part of the client shares: settings, environment, the HTTP transport, the clock correction and the
/// request rate limiter.
struct AWSContext: Sendable {
    var configuration: AWSClientConfiguration
    var environment: AWSEnvironment
    var transport: HTTPTransport
    var clock: ClockCorrection
    var logger: Logger
    var limiter: RequestRateLimiter

    var endpoints: EndpointResolver {
        EndpointResolver(overrides: configuration.endpointOverrides, environment: environment)
    }
}
