import AWSClient
import AWSDiscovery
import Companion
import Foundation
import Inventory
import Logging
import NIOCore
import NIOPosix
import Settings

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--start`: starts a stopped instance with EC2 StartInstances, then waits until EC2 says it runs and its ssh port
/// accepts TCP, saying each step plainly. Asks first when a person is at the terminal; a script's `--start` is its
/// consent.
struct InstanceStarter {
    let command: String
    let aws: DiscoveryOptions
    let logger: Logger
    /// EC2 usually takes under a minute to run an instance and sshd a few seconds more.
    var limit: Duration = .seconds(300)
    var pollInterval: Duration = .seconds(2)

    /// The instance as it runs now (its addresses may be new), or the error that ends the command.
    func start(_ instance: Instance, typed: String, address: AddressChoice, port: Int) async throws(CompanionError) -> Instance {
        let label = "\(typed) (\(instance.id), \(instance.region))"
        switch instance.state {
        case "stopped", "stopping", "pending":
            break
        default:
            throw CompanionError(.notRunning, "\(label) is \(instance.state) and cannot be started")
        }
        if instance.state == "stopped", !confirm("\(label) is stopped. Start it? It is billed while it runs. [y/N] ") {
            throw CompanionError(.notRunning, "\(label) was not started")
        }

        let discovery: AWSDiscovery
        do {
            discovery = try await AWSDiscovery.make(aws, logger: logger)
        } catch {
            throw CompanionError(.startFailed, "cannot reach AWS to start \(label): \(error)")
        }
        let ec2 = discovery.session.ec2(credentials: discovery.session.credentialProvider(profile: instance.profile))
        let outcome: Result<Instance, CompanionError>
        do {
            outcome = .success(try await run(instance, label: label, typed: typed, address: address, port: port, ec2: ec2))
        } catch {
            outcome = .failure(error)
        }
        await discovery.shutdown()
        return try outcome.get()
    }

    private func run(
        _ instance: Instance, label: String, typed: String, address: AddressChoice, port: Int, ec2: EC2Client
    ) async throws(CompanionError) -> Instance {
        let deadline = ContinuousClock.now + limit
        var current = instance
        if current.state == "stopping" {
            Diagnostics.note(command, "\(label) is stopping; waiting until it has stopped to start it")
            current = try await wait(for: current, on: ec2, until: deadline) { $0.state != "stopping" }
        }
        if current.state == "stopped" {
            Diagnostics.note(command, "starting \(label)")
            do {
                _ = try await ec2.startInstances(region: current.region, ids: [current.id])
            } catch {
                throw CompanionError(.startFailed, "EC2 did not start \(label): \(error)")
            }
        }
        current = try await wait(for: current, on: ec2, until: deadline) { $0.state == "running" }
        let target = try address.requireAddress(of: current, typed: typed)
        Diagnostics.note(command, "\(typed) is running at \(target); waiting until port \(port) answers")
        while !(await Self.accepts(host: target, port: port)) {
            guard ContinuousClock.now < deadline else {
                throw CompanionError(
                    .startFailed,
                    "\(label) runs, but nothing answered on \(target) port \(port) within \(limit); check its security group and sshd")
            }
            try? await Task.sleep(for: pollInterval)
        }
        return current
    }

    /// Polls DescribeInstances for this one instance until `done` holds for it.
    private func wait(
        for instance: Instance, on ec2: EC2Client, until deadline: ContinuousClock.Instant, _ done: (Instance) -> Bool
    ) async throws(CompanionError) -> Instance {
        var current = instance
        while true {
            let described: [Instance]
            do {
                let reservations = try await ec2.describeInstances(
                    region: instance.region, filters: [.instanceIDs([instance.id])])
                described = EC2InstanceMapping.instances(reservations, region: instance.region).map {
                    var found = $0
                    found.profile = instance.profile  // EC2 does not know which of our profiles found it
                    return found
                }
            } catch {
                throw CompanionError(.startFailed, "cannot follow \(instance.id) while it starts: \(error)")
            }
            guard let found = described.first else {
                throw CompanionError(.startFailed, "\(instance.id) is no longer listed by EC2 in \(instance.region)")
            }
            current = found
            if done(current) { return current }
            guard ContinuousClock.now < deadline else {
                throw CompanionError(.startFailed, "\(instance.id) is still \(current.state) after \(limit); look at it in the EC2 console")
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// Asks on the terminal; true without asking when no person is there (the flag was the consent).
    private func confirm(_ question: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return true }
        FileHandle.standardError.write(Data("\(command): \(question)".utf8))
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Whether a TCP connection to the address and port succeeds within a couple of seconds.
    static func accepts(host: String, port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
