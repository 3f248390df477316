import AWSDiscovery
import Companion
import DNSWire
import EC2Zone
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Testing

@testable import Settings

@Suite("Configuration")
struct ConfigTests {
    func parse(_ text: String) throws(ConfigError) -> FednsConfig {
        try FednsConfig.parse(text, origin: "test.toml", directory: "/etc/fedns")
    }

    @Test("the contract keys are read with their types")
    func contractKeys() throws {
        let config = try parse(
            """
            [dns]
            listen = ["127.0.0.1:5353", "[::1]:5353"]
            zone = "aws"
            ttl = 120
            address = "private"
            states = ["running", "stopped"]
            [discovery]
            source = "file"
            file = "inventory.json"
            """)
        #expect(config.dns.listen.map(\.displayText) == ["127.0.0.1:5353", "[::1]:5353"])
        #expect(config.dns.zone.origin == DNSName("aws"))
        #expect(config.dns.zone.ttl == 120)
        #expect(config.dns.zone.addressMode == .private)
        #expect(config.dns.zone.states == ["running", "stopped"])
        #expect(config.dns.zone.nameserver == DNSName("ns.aws"))
        #expect(config.dns.zone.nameserverIPv4.map(\.description) == ["127.0.0.1"])
        #expect(config.dns.zone.nameserverIPv6.map(\.description) == ["::1"])
        #expect(config.discovery.source == .file(path: "/etc/fedns/inventory.json"))
    }

    @Test("defaults match the documented contract")
    func defaults() throws {
        let config = try parse("[discovery]\nsource = \"file\"\nfile = \"/srv/inventory.json\"\n")
        #expect(config.dns.listen.map(\.displayText) == ["127.0.0.1:5353"])
        #expect(config.dns.zone.origin == DNSName("ec2"))
        #expect(config.dns.zone.ttl == 60)
        #expect(config.dns.zone.negativeTTL == 30)
        #expect(config.dns.zone.addressMode == .auto)
        #expect(config.dns.zone.states == ["running"])
        #expect(config.dns.tcpIdleTimeout == 10)
        #expect(config.dns.tcpMaxConnections == 512)
        #expect(config.discovery.source == .file(path: "/srv/inventory.json"))
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        let text: String
        let key: String
        let mentions: String
        var testDescription: String { key.isEmpty ? text : key }
    }

    static let badCases: [BadCase] = [
        BadCase(text: "[dns]\nttl = \"sixty\"\n", key: "dns.ttl", mentions: "expected an integer"),
        BadCase(text: "[dns]\nttl = -1\n", key: "dns.ttl", mentions: "from 0 to 86400"),
        BadCase(text: "[dns]\nlisten = [\"localhost:53\"]\n", key: "dns.listen[0]", mentions: "IP address and port"),
        BadCase(text: "[dns]\nlisten = [\"127.0.0.1\"]\n", key: "dns.listen[0]", mentions: "IP address and port"),
        BadCase(text: "[dns]\nlisten = \"127.0.0.1:53\"\n", key: "dns.listen", mentions: "array of strings"),
        BadCase(text: "[dns]\naddress = \"both\"\n", key: "dns.address", mentions: "\"auto\", \"private\" or \"public\""),
        BadCase(text: "[dns]\nstates = [\"runing\"]\n", key: "dns.states[0]", mentions: "running"),
        BadCase(text: "[dns]\ntll = 60\n", key: "dns.tll", mentions: "unknown key"),
        BadCase(text: "[dnss]\n", key: "dnss", mentions: "unknown key"),
        BadCase(text: "[dns]\nzone = \".\"\n", key: "dns.zone", mentions: "root zone"),
        BadCase(text: "[dns]\nreverse_zones = [\"example.com\"]\n", key: "dns.reverse_zones[0]", mentions: "in-addr.arpa"),
        BadCase(text: "[discovery]\nsource = \"file\"\n", key: "discovery.file", mentions: "required"),
        BadCase(text: "[discovery]\nsource = \"carrier-pigeon\"\n", key: "discovery.source", mentions: "expected"),
        BadCase(text: "[dns\n", key: "", mentions: "not valid TOML at line 1"),
        BadCase(text: "[companion]\naddress = \"v6\"\n", key: "companion.address", mentions: "\"auto\", \"private\", \"public\", \"ipv6\""),
        BadCase(text: "[companion]\nhost_key_alias = \"yes\"\n", key: "companion.host_key_alias", mentions: "true or false"),
        BadCase(text: "[companion]\nssh = \"\"\n", key: "companion.ssh", mentions: "program name"),
        BadCase(text: "[companion]\nscp = 1\n", key: "companion.scp", mentions: "expected a string"),
        BadCase(text: "[companion]\ntitel = true\n", key: "companion.titel", mentions: "unknown key"),
        BadCase(text: "[companion]\njump = \"\"\n", key: "companion.jump", mentions: "name of the jump host"),
        BadCase(text: "[companion]\njump = { \"subnet-1\" = \"b\" }\n", key: "companion.jump.subnet-1", mentions: "VPC id"),
        BadCase(text: "[companion]\njump = { \"*\" = 3 }\n", key: "companion.jump.*", mentions: "expected a string"),
        BadCase(text: "[dns]\ngroups = { \"us-east-1\" = \"Role\" }\n", key: "dns.groups.us-east-1", mentions: "looks like a region"),
        BadCase(text: "[dns]\ngroups = { ec2 = \"Role\" }\n", key: "dns.groups.ec2", mentions: "label of the zone"),
        BadCase(text: "[dns]\ngroups = { \"42\" = \"Role\" }\n", key: "dns.groups.42", mentions: "member number"),
        BadCase(text: "[dns]\ngroups = { \"a b\" = \"Role\" }\n", key: "dns.groups.a b", mentions: "DNS label"),
        BadCase(text: "[dns]\ngroups = { role = \"\" }\n", key: "dns.groups.role", mentions: "tag key"),
        BadCase(text: "[dns]\ngroups = { Role = \"A\", role = \"B\" }\n", key: "dns.groups.role", mentions: "given twice"),
        BadCase(text: "[dns]\ngroups = [\"role\"]\n", key: "dns.groups", mentions: "table of strings"),
        BadCase(text: "[dns]\nname_tag = \"\"\n", key: "dns.name_tag", mentions: "tag key"),
        BadCase(text: "[discovery]\nhost_key_rate = 0\n", key: "discovery.host_key_rate", mentions: "requests per second"),
        BadCase(text: "[dns]\nnsid = \"\"\n", key: "dns.nsid", mentions: "1 to 128 bytes"),
        BadCase(text: "[dns]\ncookies = \"yes\"\n", key: "dns.cookies", mentions: "expected true or false"),
        BadCase(text: "[discovery]\nrequest_rate = 0\n", key: "discovery.request_rate", mentions: "requests per second"),
        BadCase(text: "[discovery]\nrequest_burst = 0.5\n", key: "discovery.request_burst", mentions: "number of requests"),
    ]

    /// fuzz/corpus/config/crash-b64ac95d74dddd6032abf7704723b6c7656b3719: a newline right after a table header's `[`
    /// made the TOML parser abort the process (an assertion in toml++); it is a configuration error now, and so is
    /// the same text arriving through a `FEDNS_*` variable.
    @Test("a table header with no key where one must start is an error, not a crash")
    func headerWithoutKey() throws {
        do {
            _ = try parse("[\nsn]dttl = \"9223372036854775807Z")
            Issue.record("accepted invalid configuration")
        } catch {
            #expect(error.file == "test.toml")
            #expect(error.description.contains("not valid TOML at line 1, column 2"), "\(error.description)")
        }
        // Taken as a string (not TOML), then refused as a TTL: an error naming the variable, not an abort.
        do {
            _ = try FednsConfig.parse("", origin: "t", directory: "", environment: ["FEDNS_DNS_TTL": "x\n[=]"])
            Issue.record("accepted a string as a TTL")
        } catch {
            #expect(error.file.contains("FEDNS_DNS_TTL") && error.key == "dns.ttl", "\(error.description)")
        }
    }

    /// Inputs the config fuzz target found that made the TOML parser abort the process (assertions in toml++),
    /// each a configuration error with its place now: fuzz/corpus/config/crash-0d92adf9… (a `}` where an array's
    /// value must come) and crash-9f8ce9e0… (a date's `T` followed by something other than a time).
    @Test(
        "TOML the parser aborted on is an error, not a crash",
        arguments: [
            ("[dns]\nlisten = [}dns\"127.]\nlisten ", "line 2, column 11"),
            ("[dns]\nlisten = [\"127.0.0\", 1979-05-27T(07:32800)]\n", "line 2, column 33"),
        ])
    func parserAborts(_ example: (text: String, place: String)) throws {
        do {
            _ = try parse(example.text)
            Issue.record("accepted invalid configuration")
        } catch {
            #expect(error.description.contains("not valid TOML at \(example.place)"), "\(error.description)")
        }
    }

    @Test("names from tags: [dns] name_tag and groups")
    func naming() throws {
        #expect(try parse("").dns.zone.naming == NamingOptions())
        let config = try parse(
            """
            [dns]
            name_tag = "Hostname"
            groups = { role = "Role", asg = "aws:autoscaling:groupName", Web-Tier-A = "tier" }
            """)
        #expect(config.dns.zone.naming.nameTag == "Hostname")
        #expect(
            config.dns.zone.naming.groups == [
                GroupTag(label: "asg", tagKey: "aws:autoscaling:groupName"), GroupTag(label: "role", tagKey: "Role"),
                GroupTag(label: "web-tier-a", tagKey: "tier"),
            ])
    }

    @Test("[dns] cookies, cookie_secret_file and nsid")
    func cookiesAndNSID() throws {
        let defaults = try parse("")
        #expect(defaults.dns.cookies && defaults.dns.cookieSecrets == nil && defaults.dns.nsid == nil)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-cookies-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/cookie.secrets"
        let secrets = "# newest first\n445536bcd2513298075a5d379663c962\n\nDD3BDF9344B678B185A6F5CB60FCA715  # retiring\n"
        FileManager.default.createFile(atPath: file, contents: Data(secrets.utf8), attributes: [.posixPermissions: 0o600])
        let config = try FednsConfig.parse(
            "[dns]\ncookie_secret_file = \"cookie.secrets\"\nnsid = \"dns-a.example\"\n", origin: "test.toml", directory: directory)
        #expect(config.dns.cookieSecrets == [
            try #require(ServerCookies.Secret(HexBytes.decode("445536bcd2513298075a5d379663c962")!)),
            try #require(ServerCookies.Secret(HexBytes.decode("dd3bdf9344b678b185a6f5cb60fca715")!)),
        ])
        #expect(config.dns.nsid == Array("dns-a.example".utf8))
        #expect(try !parse("[dns]\ncookies = false\n").dns.cookies)

        // A file others may read, a line that is not a secret, and a file without one are refused by name.
        for (contents, mode, mentions) in [
            ("445536bcd2513298075a5d379663c962\n", 0o644, "chmod 600"), ("445536bcd2513298075a5d379663c9\n", 0o600, "line 1"),
            ("# nothing yet\n", 0o600, "holds no secret"),
        ] {
            FileManager.default.createFile(atPath: file, contents: Data(contents.utf8), attributes: [.posixPermissions: mode])
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
            do {
                _ = try FednsConfig.parse("[dns]\ncookie_secret_file = \"\(file)\"\n", origin: "test.toml", directory: directory)
                Issue.record("accepted \(contents) mode \(mode)")
            } catch {
                #expect(error.key == "dns.cookie_secret_file" && "\(error)".contains(mentions), "\(error)")
                #expect(!"\(error)".contains("445536bcd"), "a secret in a message")
            }
        }
    }

    @Test("[companion] jump, known_hosts and [discovery] host keys")
    func jumpAndHostKeys() throws {
        let config = try parse(
            """
            [discovery]
            host_keys = false
            host_key_rate = 0.5
            [companion]
            jump = { "vpc-0abc" = "bastion-a", "*" = "bastion" }
            known_hosts = "state/known_hosts"
            """)
        #expect(config.companion.jump == .perVPC(["vpc-0abc": "bastion-a", "*": "bastion"]))
        #expect(config.companion.knownHostsFile == "/etc/fedns/state/known_hosts")
        guard case .aws(let aws) = config.discovery.source else {
            Issue.record("not the AWS source")
            return
        }
        #expect(!aws.hostKeys.enabled && aws.hostKeys.requestsPerSecond == 0.5)
        #expect(try parse("[companion]\njump = \"bastion\"\n").companion.jump == .everywhere("bastion"))
        #expect(try parse("[companion]\nknown_hosts = \"\"\n").companion.knownHostsFile == nil)
    }

    @Test("errors name the file, the key and what was expected", arguments: badCases)
    func errors(_ bad: BadCase) {
        do {
            _ = try parse(bad.text)
            Issue.record("accepted invalid configuration")
        } catch {
            #expect(error.file == "test.toml")
            #expect(error.key == bad.key)
            #expect(error.description.contains(bad.mentions), "\(error.description)")
        }
    }

    @Test("the AWS source's keys")
    func awsSource() throws {
        let config = try parse(
            """
            [discovery]
            source = "aws"
            regions = ["us-east-1", "eu-west-1"]
            profiles = ["prod", "staging"]
            refresh_interval = 30
            snapshot = "cache/snapshot.json"
            max_concurrency = 4
            request_rate = 5
            request_burst = 10
            ec2_endpoint = "http://127.0.0.1:5000"
            """)
        guard case .aws(let aws) = config.discovery.source else {
            Issue.record("not the aws source")
            return
        }
        #expect(aws.refresh.regions == .list(["us-east-1", "eu-west-1"]))
        #expect(aws.refresh.profiles == ["prod", "staging"])
        #expect(aws.refresh.interval == .seconds(30))
        #expect(aws.refresh.snapshotPath == "/etc/fedns/cache/snapshot.json")
        #expect(aws.refresh.maxConcurrency == 4)
        #expect(aws.requestRate == 5 && aws.requestBurst == 10)
        #expect(aws.ec2Endpoint == "http://127.0.0.1:5000")
        let all = try parse("[discovery]\nregions = \"all\"\nsnapshot = \"\"\n")
        guard case .aws(let everywhere) = all.discovery.source else {
            Issue.record("aws is not the default source")
            return
        }
        #expect(everywhere.refresh.regions == .all)
        #expect(everywhere.refresh.profiles == [nil])
        #expect(everywhere.refresh.snapshotPath == nil)
        // EC2's documented bucket for non-mutating calls: 100 tokens, 20 per second.
        #expect(everywhere.requestRate == 20 && everywhere.requestBurst == 100)
        #expect(throws: ConfigError.self) { try parse("[discovery]\nregions = [\"Europe\"]\n") }
        #expect(throws: ConfigError.self) { try parse("[discovery]\nrefresh_interval = 0\n") }
    }

    @Test("FEDNS_<SECTION>_<KEY> overrides a key, typed as TOML when it parses")
    func environmentOverrides() throws {
        let environment = [
            "FEDNS_DNS_TTL": "15", "FEDNS_DNS_LISTEN": #"["127.0.0.1:5999"]"#, "FEDNS_DISCOVERY_REGIONS": "all",
            "FEDNS_CONFIG": "/ignored/not/a/key.toml", "FEDNS_PROCESS_USER": "nobody",
        ]
        let config = try FednsConfig.parse(
            "[dns]\nttl = 60\n[discovery]\nregions = [\"eu-west-1\"]\n", origin: "test.toml", directory: "/etc/fedns",
            environment: environment)
        #expect(config.dns.zone.ttl == 15)
        #expect(config.dns.listen.map(\.displayText) == ["127.0.0.1:5999"])
        #expect(config.process.user == "nobody")
        guard case .aws(let aws) = config.discovery.source else {
            Issue.record("not aws")
            return
        }
        #expect(aws.refresh.regions == .all)
        do {
            _ = try FednsConfig.parse("", origin: "test.toml", directory: "", environment: ["FEDNS_DNS_TTL": "soon"])
            Issue.record("accepted a bad override")
        } catch {
            #expect(error.file == "environment variable FEDNS_DNS_TTL (overriding test.toml)")
            #expect(error.key == "dns.ttl")
        }
        #expect(throws: ConfigError.self) {
            try FednsConfig.parse("", origin: "t", directory: "", environment: ["FEDNS_DNS_TLL": "5"])
        }
    }

    @Test("[companion]: the companion commands' defaults")
    func companion() throws {
        let defaults = try parse("")
        #expect(defaults.companion == CompanionConfig())
        #expect(defaults.companion.address == nil)  // the zone's [dns] address then
        #expect(defaults.companion.jump == .none)
        #expect(defaults.companion.hostKeyAlias)
        #expect(!defaults.companion.title)
        #expect(defaults.companion.program(for: .sftp) == "sftp")
        let config = try parse(
            """
            [companion]
            address = "private"
            host_key_alias = false
            title = true
            ssh = "bin/ssh-wrapper"
            scp = "/usr/local/bin/scp"
            sftp = "sftp-next"
            """)
        #expect(config.companion.address == .private)
        #expect(!config.companion.hostKeyAlias)
        #expect(config.companion.title)
        #expect(config.companion.program(for: .ssh) == "/etc/fedns/bin/ssh-wrapper")
        #expect(config.companion.program(for: .scp) == "/usr/local/bin/scp")
        #expect(config.companion.program(for: .sftp) == "sftp-next")
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect(throws: ConfigError.self) { try FednsConfig.load(path: "/nonexistent/fedns.toml") }
    }
}
