import ArgumentParser
import Dispatch
import ServerAssembly

/// The entry point keeps the main thread blocked in an ordinary wait instead of handing it to `dispatch_main`,
/// which parks it inside its own exit, where glibc's `setuid` cannot reach it: after `[process] user` the process
/// must be that user in every thread, including the one `ps` reports.
@main
enum FednsEntryPoint {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        // Detached: `main` is on the main actor, whose thread is about to block in the wait below.
        Task.detached {
            await Fedns.main()
            finished.signal()
        }
        finished.wait()
    }
}

struct Fedns: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedns",
        abstract: "Authoritative DNS for EC2 instance names, and Stellar federation over HTTPS.",
        discussion: """
            Without --config, `fedns serve` runs the embedded demo: DNS on 127.0.0.1:5353 for a small demo \
            inventory, so `dig @127.0.0.1 -p 5353 appserver-1.ec2` answers right away, and Stellar federation \
            over HTTPS on 127.0.0.1:8443 with a demo-only certificate (Resources/demo/tls).
            """,
        version: FednsVersion.current,
        subcommands: [
            ServeCommand.self, LookupCommand.self, InstancesCommand.self, FederationCommand.self, CheckConfigCommand.self,
            ResolverCommand.self, DoctorCommand.self,
        ]
    )
}
