import AWSClient
import AWSDiscovery
import DNSServer
import DNSWire
import EC2Zone
import FederationHTTP
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Logging
import NIOCore
import Settings

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fedns doctor`: checks each link of the chain from `ssh web-1.ec2` to an address, in order, and says what to
/// fix. Every check runs (a broken link does not hide the next one); the verdict is "all links work".
public struct Doctor: Sendable {
    public struct Check: Sendable {
        public enum Outcome: Sendable, Equatable { case ok, failed, skipped }
        public var name: String
        public var outcome: Outcome
        public var detail: String
        public var fix: String?
    }

    public let config: FednsConfig
    /// How the configuration was chosen, said on the first line so that nobody wonders which file was checked.
    public let configReason: String?
    public let root: String
    public let logger: Logger

    public init(config: FednsConfig, configReason: String? = nil, root: String = "", logger: Logger) {
        self.config = config
        self.configReason = configReason
        self.root = root
        self.logger = logger
    }

    /// ` --config FILE` for the fixes printed, when the configuration is a file; nothing when it is every default
    /// (then the commands in the fixes, run without `--config`, read the same defaults).
    var configArgument: String {
        FileManager.default.fileExists(atPath: config.origin) ? " --config \(config.origin)" : ""
    }

    public func run() async -> [Check] {
        var checks = [
            Check(name: "config", outcome: .ok, detail: "\(config.origin) is valid\(configReason.map { " (\($0))" } ?? "")")
        ]
        let zone = ResolverFiles.zone(config)
        let (host, port) = ResolverFiles.target(config)
        let server = (try? SocketAddress(ipAddress: host, port: port)) ?? config.dns.listen[0]

        // The server answers for its zone.
        var serverAnswers = false
        do {
            let soa = try await DNSClient(server: server, timeout: .seconds(1), attempts: 1)
                .send(Message.query(id: 1, name: config.dns.zone.origin, type: .soa))
            switch soa.rcode {
            case .noError:
                serverAnswers = true
                checks.append(Check(name: "server", outcome: .ok, detail: "fedns answers for .\(zone) on \(server.displayText)"))
            case .servFail:
                checks.append(
                    Check(
                        name: "server", outcome: .failed, detail: "fedns answers on \(server.displayText) but has no inventory yet",
                        fix: "see the server log for discovery errors (credentials, regions); `fedns instances` shows what it reads"))
            default:
                checks.append(
                    Check(
                        name: "server", outcome: .failed, detail: "\(server.displayText) answered \(soa.rcode) for .\(zone)",
                        fix: "is that fedns with the same [dns] zone?"))
            }
        } catch {
            checks.append(
                Check(
                    name: "server", outcome: .failed, detail: "no DNS answer from \(server.displayText): \(error)",
                    fix: configArgument.isEmpty
                        ? "write /etc/fedns/fedns.toml (README.md, \"Configuration\"), then `fedns serve --config /etc/fedns/fedns.toml`"
                        : "start it: `fedns serve\(configArgument)` (or `systemctl start fedns`)"))
        }

        // The inventory, and a name to try through the system resolver.
        let lookup = try? await InventoryLookup(options: config.inventoryLookupOptions, logger: logger).fetch()
        let sample = lookup?.document.instances.first { $0.state == "running" && config.dns.zone.states.contains($0.state) }
            .map { InstanceNaming.idLabel(of: $0) }

        // The OS routes the zone to the server.
        let method = ResolverMethod.detect(root: root)
        let routingFile = ResolverFiles.routing(method, config: config)
        let fileState = ResolverInstaller(root: root).state(of: routingFile)
        if let sample, serverAnswers {
            let name = "\(sample).\(zone)"
            let viaSystem = SystemResolver.addresses(of: name)
            let direct = try? await DNSClient(server: server, timeout: .seconds(1), attempts: 1)
                .send(Message.query(id: 2, name: try DNSName(name), type: .a))
            let expected = Set(direct?.answers.map(\.data.presentation) ?? [])
            if !viaSystem.isEmpty && !expected.isEmpty && !Set(viaSystem).isDisjoint(with: expected) {
                checks.append(Check(name: "routing", outcome: .ok, detail: "the system resolver sends \(name) to fedns (\(viaSystem.joined(separator: ", ")))"))
            } else {
                checks.append(
                    Check(
                        name: "routing", outcome: .failed,
                        detail: "the system resolver does not send .\(zone) to fedns (\(name) → \(viaSystem.isEmpty ? "no answer" : viaSystem.joined(separator: ", ")); routing file \(root + routingFile.path): \(fileState))",
                        fix: "sudo fedns resolver install\(configArgument)"))
            }
        } else {
            checks.append(
                Check(
                    name: "routing", outcome: fileState == .current ? .ok : .failed,
                    detail: "routing file \(root + routingFile.path) (\(method.rawValue)): \(fileState)\(sample == nil ? "; no running instance to try a name with" : "")",
                    fix: fileState == .current ? nil : "sudo fedns resolver install\(configArgument)"))
        }

        // AWS: credentials, then one call.
        switch config.discovery.source {
        case .file(let path):
            checks.append(Check(name: "aws", outcome: .skipped, detail: "the inventory comes from \(path)"))
        case .aws(let aws):
            checks += await awsChecks(aws)
        }
        checks.append(tlsCheck())
        return checks
    }

    /// Certificates a renewal should replace this many days before they expire.
    static let certificateWarningDays = 14.0

    /// The HTTPS endpoint's certificates: each chain valid (order, key, issuer, dates), every configured host named
    /// by one, and none about to expire.
    func tlsCheck(now: Date = Date()) -> Check {
        guard let federation = config.servedFederation else {
            return Check(name: "tls", outcome: .skipped, detail: "no [federation] endpoint is configured")
        }
        let bundles: [CertificateBundle]
        do {
            bundles = try FederationHTTPServer.checkFiles(federation.site).certificates
        } catch {
            return Check(name: "tls", outcome: .failed, detail: "\(error)", fix: "fix the file named; `fedns check-config` checks again")
        }
        let uncovered = FederationHTTPServer.uncoveredHosts(federation.site, bundles: bundles)
        if !uncovered.isEmpty {
            return Check(
                name: "tls", outcome: .failed, detail: "no certificate names \(uncovered.joined(separator: ", "))",
                fix: "add a certificate for those names to [federation] certificates")
        }
        let remaining = bundles.map { (bundle: $0, days: $0.daysLeft(at: now)) }
        let summary = remaining.map { "\($0.bundle.names.first ?? $0.bundle.certificatePath) \(Int($0.days)) days" }
            .joined(separator: ", ")
        if let expiring = remaining.first(where: { $0.days < Self.certificateWarningDays }) {
            return Check(
                name: "tls", outcome: .failed,
                detail: "\(expiring.bundle.certificatePath) expires in \(Int(expiring.days)) days (\(summary))",
                fix: "renew it; fedns picks up the new files without a restart")
        }
        return Check(name: "tls", outcome: .ok, detail: "certificates valid (\(summary) left)")
    }

    private func awsChecks(_ aws: DiscoveryOptions) async -> [Check] {
        let discovery: AWSDiscovery
        do {
            discovery = try await AWSDiscovery.make(aws, logger: logger)
        } catch {
            return [Check(name: "credentials", outcome: .failed, detail: "\(error)", fix: "set [discovery] regions or AWS_REGION")]
        }
        var checks: [Check] = []
        let profile = aws.refresh.profiles.first ?? nil
        do {
            _ = try await discovery.session.credentialProvider(profile: profile).credentials()
            checks.append(Check(name: "credentials", outcome: .ok, detail: "found for \(profile ?? "the default chain")"))
            do {
                let regions = try await discovery.source.regions(profile: profile)
                checks.append(Check(name: "aws", outcome: .ok, detail: "EC2 answers (\(regions.count) regions enabled)"))
            } catch {
                checks.append(Check(name: "aws", outcome: .failed, detail: "\(error)", fix: "check network access to EC2 and the IAM policy (ec2:DescribeRegions, ec2:DescribeInstances)"))
            }
        } catch {
            checks.append(Check(name: "credentials", outcome: .failed, detail: "\(error)", fix: "configure credentials (AWS_PROFILE, ~/.aws/config, an instance role)"))
            checks.append(Check(name: "aws", outcome: .skipped, detail: "no credentials to call it with"))
        }
        await discovery.shutdown()
        return checks
    }
}

/// The system resolver (getaddrinfo, so nsswitch and resolv.conf or systemd-resolved decide), as `ssh` uses it.
enum SystemResolver {
    static func addresses(of name: String) -> [String] {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}
