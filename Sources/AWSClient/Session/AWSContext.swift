import Logging

/// What every part of the client shares: settings, environment, the HTTP transport and the clock correction.
struct AWSContext: Sendable {
    var configuration: AWSClientConfiguration
    var environment: AWSEnvironment
    var transport: HTTPTransport
    var clock: ClockCorrection
    var logger: Logger

    var endpoints: EndpointResolver {
        EndpointResolver(overrides: configuration.endpointOverrides, environment: environment)
    }
}
