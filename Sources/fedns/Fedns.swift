import App
import ArgumentParser

@main
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
        subcommands: [ServeCommand.self, LookupCommand.self, CheckConfigCommand.self, FederationCommand.self]
    )
}
