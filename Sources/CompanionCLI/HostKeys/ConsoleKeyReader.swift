import AWSDiscovery
import Inventory
import Logging

/// Reads one instance's host keys from its console, for a command about to connect to an instance whose keys the
/// inventory does not have yet (a server that has not got to it, or no server at all). Quick and quiet: any
/// failure only means ssh checks the key the usual way.
struct ConsoleKeyReader {
    let aws: DiscoveryOptions
    let logger: Logger

    func keys(of instance: Instance) async -> [HostKey]? {
        guard aws.hostKeys.enabled else { return nil }
        var options = aws
        // A person is waiting for ssh: a slow console is not worth more than a few seconds.
        options.requestTimeout = min(options.requestTimeout, .seconds(5))
        let discovery: AWSDiscovery
        do {
            discovery = try await AWSDiscovery.make(options, logger: logger)
        } catch {
            logger.debug("cannot read host keys from the console", metadata: ["error": "\(error)"])
            return nil
        }
        let console: String?
        do {
            console = try await discovery.source.consoleOutput(of: instance)
        } catch {
            logger.debug("cannot read host keys from the console", metadata: ["instance": "\(instance.id)", "error": "\(error)"])
            await discovery.shutdown()
            return nil
        }
        await discovery.shutdown()
        switch ConsoleHostKeys.read(console ?? "") {
        case .keys(let keys):
            return keys
        case .noBlock:
            return nil
        case .unreadable(let reason):
            logger.debug("the console's host key block cannot be read", metadata: ["instance": "\(instance.id)", "reason": "\(reason)"])
            return nil
        }
    }
}
