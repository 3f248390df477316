import ArgumentParser
import DNSServer
import DNSWire
import FednsSupport
import NIOCore
import ServerAssembly
import Settings

struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Ask a fedns server for a name and print the answer as `dig +short` would.",
        discussion: "Exits 0 when the server answered NOERROR (even with no records), 1 otherwise.")

    @Argument(help: "The name to look up, e.g. appserver-1.ec2 (a trailing dot is optional).")
    var name: String

    @Option(name: .shortAndLong, help: "Record type: A, AAAA, TXT, PTR, SOA, NS, SRV, ANY or TYPEnnn.")
    var type: String = "A"

    @Option(name: .shortAndLong, help: "Server as HOST:PORT (default: the first [dns] listen address, else 127.0.0.1:5353).")
    var server: String?

    @Flag(help: "Use TCP instead of UDP.")
    var tcp = false

    @Option(name: .shortAndLong, help: "Configuration file whose [dns] listen address to ask.")
    var config: String?

    func run() async throws {
        guard let rrType = RRType(text: type) else {
            throw ValidationError("unknown record type \"\(type)\"")
        }
        let queryName: DNSName
        do {
            queryName = try DNSName(name)
        } catch {
            throw ValidationError("\"\(name)\" is not a domain name: \(error)")
        }
        let serverAddress = try resolveServer()
        let query = Message.query(id: UInt16.random(in: 0...UInt16.max), name: queryName, type: rrType)
        let response: Message
        do {
            response = try await DNSClient(server: serverAddress).send(query, forceTCP: tcp)
        } catch {
            printError("fedns lookup: \(error)")
            throw ExitCode.failure
        }
        for record in response.answers {
            print(record.data.presentation)
        }
        guard response.rcode == .noError else {
            printError("fedns lookup: \(response.rcode) for \(queryName) from \(serverAddress.displayText)")
            throw ExitCode.failure
        }
    }

    private func resolveServer() throws -> SocketAddress {
        if let server {
            guard let address = SocketAddress(hostPort: server) else {
                throw ValidationError("--server must be an address and port such as 127.0.0.1:5353, found \"\(server)\"")
            }
            return address
        }
        if let config {
            do {
                if let first = try FednsConfig.load(path: config).dns.listen.first { return first.reachableFromHere }
            } catch {
                throw ValidationError("\(error)")
            }
        }
        return try SocketAddress(ipAddress: "127.0.0.1", port: 5353)
    }
}
