import DNSWire
import EC2Zone
import FednsSupport
import Foundation
import NIOCore
import Settings

/// The files that route `.ec2` (the configured zone) from the operating system's resolver to fedns, and the
/// service definitions that keep fedns running. `deploy/` holds these files rendered for the default
/// configuration; a unit test keeps the two identical, so there is one source.
public enum ResolverMethod: String, CaseIterable, Sendable {
    /// systemd-resolved drop-in (most current Linux desktops and servers).
    case resolved
    /// dnsmasq `server=/zone/address#port`.
    case dnsmasq
    /// NetworkManager's own dnsmasq.
    case networkmanager
    /// macOS `/etc/resolver/<zone>`.
    case macos

    /// The method this machine uses, judged from what is present.
    public static func detect(root: String = "") -> ResolverMethod {
        #if os(macOS)
        return .macos
        #else
        let exists = { (path: String) in FileManager.default.fileExists(atPath: root + path) }
        if exists("/run/systemd/resolve/stub-resolv.conf") || exists("/run/systemd/resolve/resolv.conf") { return .resolved }
        if let nm = try? String(contentsOfFile: root + "/etc/NetworkManager/NetworkManager.conf", encoding: .utf8),
            nm.contains("dns=dnsmasq")
        {
            return .networkmanager
        }
        return .dnsmasq
        #endif
    }
}

/// One file fedns installs and removes.
public struct ManagedFile: Sendable, Equatable {
    public var path: String
    public var contents: String
    /// What to run afterwards for the change to take effect.
    public var activate: [String]
    /// The file's name under `deploy/`.
    public var deployName: String

    /// Every managed file starts with this line, so uninstall removes only what fedns wrote.
    public static let marker = "managed by fedns"
}

public enum ResolverFiles {
    /// Where DNS queries for the zone should go: the first listen address, the wildcard made loopback.
    static func target(_ config: FednsConfig) -> (host: String, port: Int) {
        let address = (config.dns.listen.first ?? (try? SocketAddress(ipAddress: "127.0.0.1", port: 5353)))?.reachableFromHere
        return (address?.ipAddress ?? "127.0.0.1", address?.port ?? 5353)
    }

    static func zone(_ config: FednsConfig) -> String {
        let text = config.dns.zone.origin.description
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// The routing file for a method.
    public static func routing(_ method: ResolverMethod, config: FednsConfig) -> ManagedFile {
        let (host, port) = target(config)
        let zone = zone(config)
        let bracketed = host.contains(":") ? "[\(host)]" : host
        switch method {
        case .resolved:
            return ManagedFile(
                path: "/etc/systemd/resolved.conf.d/fedns-\(zone).conf",
                contents: """
                    # \(ManagedFile.marker): systemd-resolved sends names under .\(zone) (and only those) to fedns.
                    # Installed by `fedns resolver install`; ports in DNS= need systemd 246 or later.
                    [Resolve]
                    DNS=\(bracketed):\(port)
                    Domains=~\(zone)
                    # fedns does not sign its zone.
                    DNSSEC=false

                    """,
                activate: ["systemctl", "restart", "systemd-resolved"], deployName: "linux/resolved-fedns-ec2.conf")
        case .dnsmasq:
            return ManagedFile(
                path: "/etc/dnsmasq.d/fedns-\(zone).conf",
                contents: """
                    # \(ManagedFile.marker): dnsmasq sends names under .\(zone) to fedns, everything else as before.
                    # Installed by `fedns resolver install --method dnsmasq`.
                    server=/\(zone)/\(host)#\(port)

                    """,
                activate: ["systemctl", "restart", "dnsmasq"], deployName: "linux/dnsmasq-fedns-ec2.conf")
        case .networkmanager:
            return ManagedFile(
                path: "/etc/NetworkManager/dnsmasq.d/fedns-\(zone).conf",
                contents: """
                    # \(ManagedFile.marker): NetworkManager's dnsmasq sends names under .\(zone) to fedns.
                    # Needs dns=dnsmasq in the [main] section of /etc/NetworkManager/NetworkManager.conf.
                    server=/\(zone)/\(host)#\(port)

                    """,
                activate: ["systemctl", "reload", "NetworkManager"],
                deployName: "linux/networkmanager-dnsmasq-fedns-ec2.conf")
        case .macos:
            return ManagedFile(
                path: "/etc/resolver/\(zone)",
                contents: """
                    # \(ManagedFile.marker): macOS sends names under .\(zone) to fedns.
                    # Check with: scutil --dns | grep -A3 'domain   : \(zone)'
                    nameserver \(host)
                    port \(port)

                    """,
                activate: [], deployName: "macos/resolver-ec2")
        }
    }

    /// The service definition for the platform of a method: a systemd unit or a launchd agent.
    public static func service(_ method: ResolverMethod, configPath: String, binary: String) -> ManagedFile {
        switch method {
        case .macos:
            return ManagedFile(
                path: "/Library/LaunchDaemons/org.fedns.fedns.plist",
                contents: """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                    <!-- \(ManagedFile.marker): keeps fedns running (launchd KeepAlive). -->
                    <plist version="1.0">
                    <dict>
                        <key>Label</key>
                        <string>org.fedns.fedns</string>
                        <key>ProgramArguments</key>
                        <array>
                            <string>\(binary)</string>
                            <string>serve</string>
                            <string>--config</string>
                            <string>\(configPath)</string>
                        </array>
                        <key>RunAtLoad</key>
                        <true/>
                        <key>KeepAlive</key>
                        <true/>
                        <key>ThrottleInterval</key>
                        <integer>5</integer>
                        <key>StandardErrorPath</key>
                        <string>/var/log/fedns.log</string>
                    </dict>
                    </plist>

                    """,
                activate: ["launchctl", "load", "-w", "/Library/LaunchDaemons/org.fedns.fedns.plist"],
                deployName: "macos/org.fedns.fedns.plist")
        default:
            return ManagedFile(
                path: "/etc/systemd/system/fedns.service",
                contents: """
                    # \(ManagedFile.marker): the fedns service (hardened). See deploy/README.md.
                    [Unit]
                    Description=fedns: DNS for EC2 instance names and Stellar federation
                    After=network-online.target
                    Wants=network-online.target

                    [Service]
                    Type=exec
                    ExecStart=\(binary) serve --config \(configPath) --log-format json
                    ExecReload=/bin/kill -HUP $MAINPID
                    Restart=on-failure
                    RestartSec=2s
                    TimeoutStopSec=20s
                    # A throwaway user per start; the persisted snapshot and the SQLite address book live in the
                    # state and cache directories.
                    DynamicUser=yes
                    StateDirectory=fedns
                    CacheDirectory=fedns
                    ConfigurationDirectory=fedns
                    # Port 53 without root: one capability, ambient so the unprivileged process keeps it.
                    AmbientCapabilities=CAP_NET_BIND_SERVICE
                    CapabilityBoundingSet=CAP_NET_BIND_SERVICE
                    NoNewPrivileges=yes
                    ProtectSystem=strict
                    ProtectHome=read-only
                    PrivateTmp=yes
                    PrivateDevices=yes
                    ProtectKernelTunables=yes
                    ProtectKernelModules=yes
                    ProtectKernelLogs=yes
                    ProtectControlGroups=yes
                    ProtectClock=yes
                    ProtectHostname=yes
                    RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
                    RestrictNamespaces=yes
                    RestrictRealtime=yes
                    RestrictSUIDSGID=yes
                    LockPersonality=yes
                    MemoryDenyWriteExecute=yes
                    SystemCallArchitectures=native
                    SystemCallFilter=@system-service
                    SystemCallFilter=~@privileged @resources
                    # Inventory refreshes run on one thread at SCHED_IDLE, so they only take CPU time that queries leave: the one
                    # scheduling call that needs is allowed back (it cannot raise a priority: that takes CAP_SYS_NICE, which the
                    # service does not have), and LimitNICE=+0 lets the thread return to nice 0, no higher, when fedns stops.
                    SystemCallFilter=sched_setscheduler
                    LimitNICE=+0
                    UMask=0027
                    # AWS credentials: an instance role needs nothing; otherwise e.g. Environment=AWS_PROFILE=dns-readonly

                    [Install]
                    WantedBy=multi-user.target

                    """,
                activate: ["systemctl", "daemon-reload"], deployName: "linux/fedns.service")
        }
    }
}
