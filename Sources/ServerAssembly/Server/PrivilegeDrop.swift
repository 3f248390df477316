#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// Binding port 53 needs root (or CAP_NET_BIND_SERVICE); serving does not. Started as root with
/// `[process] user`, fedns binds every listener and then switches to that user and group for good.
enum PrivilegeDrop {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Switches user and group; does nothing (with a note) when not running as root.
    static func drop(to userName: String, group groupName: String?, logger: Logger) throws(Failure) {
        guard geteuid() == 0 else {
            logger.notice("[process] user is set but fedns is not running as root; nothing to drop", metadata: ["user": "\(userName)"])
            return
        }
        guard let user = getpwnam(userName) else {
            throw Failure(description: "[process] user: no user named \"\(userName)\" on this system")
        }
        var gid = user.pointee.pw_gid
        let uid = user.pointee.pw_uid
        if let groupName {
            guard let group = getgrnam(groupName) else {
                throw Failure(description: "[process] group: no group named \"\(groupName)\" on this system")
            }
            gid = group.pointee.gr_gid
        }
        // Supplementary groups first (root's would otherwise stay), then the group, then the user: once the user
        // is switched nothing else can be changed.
        var groups = [gid]
        guard setgroups(1, &groups) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw Failure(description: "cannot switch to user \(userName): \(String(cString: strerror(errno)))")
        }
        // Make sure the way back is closed.
        guard setuid(0) != 0 else {
            throw Failure(description: "switched to \(userName) but root could be regained; refusing to run")
        }
        logger.info("privileges dropped", metadata: ["user": "\(userName)", "uid": "\(uid)", "gid": "\(gid)"])
    }
}

/// Waits for every listener that binds inside the service group (the HTTP servers) to report that it is up,
/// then runs an action once: dropping privileges after the last privileged bind.
final class StartupBarrier: Sendable {
    private let state: Mutex<(remaining: Int, action: (@Sendable () -> Void)?)>

    init(expecting count: Int, then action: @escaping @Sendable () -> Void) {
        state = Mutex((count, action))
        if count == 0 { arrive(count: 0) }
    }

    func arrive() { arrive(count: 1) }

    private func arrive(count: Int) {
        let action: (@Sendable () -> Void)? = state.withLock { state in
            state.remaining -= count
            guard state.remaining <= 0, let action = state.action else { return nil }
            state.action = nil
            return action
        }
        action?()
    }
}
