import DNSWire
import FednsSupport
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Tells secondaries of every new serial (NOTIFY, RFC 1996): one message per zone and secondary over UDP, signed
/// with the secondary's key when there is one, sent again with growing pauses (1 s, 2 s, 4 s, … at most five
/// minutes) until the secondary acknowledges it or a newer serial replaces it.
///
/// Metric: `fedns_dns_notify_sent_total{target, outcome}` (`acked`, `timeout`, `error`) per attempt.
public final class NotifySender: Sendable {
    private let targets: [NotifyTarget]
    private let keys: [TSIGKey]
    private let group: any EventLoopGroup
    private let logger: Logger
    private let metrics: any MetricsFactory
    private let sending = Mutex<[String: Task<Void, Never>]>([:])
    private let now: @Sendable () -> UInt64

    public init(
        targets: [NotifyTarget], keys: [TSIGKey], group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory,
        now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }
    ) {
        self.targets = targets
        self.keys = keys
        self.group = group
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// Announces the new SOA (`soa`: the whole record, owner included) of each zone to every secondary.
    public func announce(_ zones: [(apex: DNSName, soa: [UInt8])]) {
        for target in targets {
            let key = target.keyName.flatMap { name in keys.first { $0.name == name.lowercased() } } ?? keys.first
            for zone in zones {
                let label = "\(target.address.displayText)|\(zone.apex)"
                let task = Task { [self] in await deliver(zone.apex, soa: zone.soa, to: target.address, key: key) }
                sending.withLock { sending in
                    sending[label]?.cancel()  // a newer serial replaces the one not yet acknowledged
                    sending[label] = task
                }
            }
        }
    }

    /// Stops every NOTIFY still being retried.
    public func shutdown() {
        sending.withLock { sending in
            for task in sending.values { task.cancel() }
            sending = [:]
        }
    }

    private func deliver(_ apex: DNSName, soa: [UInt8], to address: SocketAddress, key: TSIGKey?) async {
        var pause: Duration = .seconds(1)
        var failures = 0
        while !Task.isCancelled {
            let id = UInt16.random(in: 0...UInt16.max)
            let message = Self.notify(apex, soa: soa, id: id)
            let signed = key.map { TSIG.sign(message, key: $0, time: now()).message } ?? message
            let outcome: String
            do {
                let reply = try await UDPExchange.send(signed, to: address, timeout: .seconds(2), group: group)
                outcome = Self.isAcknowledgement(reply, id: id) ? "acked" : "error"
            } catch is UDPExchange.Timeout {
                outcome = "timeout"
            } catch {
                outcome = "error"
            }
            Counter(
                label: "fedns_dns_notify_sent_total", dimensions: [("target", address.displayText), ("outcome", outcome)],
                factory: metrics
            ).increment()
            if outcome == "acked" {
                if failures > 0 {
                    logger.info("NOTIFY acknowledged", metadata: ["zone": "\(apex)", "secondary": "\(address.displayText)"])
                }
                return
            }
            failures += 1
            if failures == 1 {
                logger.warning(
                    "NOTIFY not acknowledged; retrying with back-off",
                    metadata: ["zone": "\(apex)", "secondary": "\(address.displayText)", "outcome": "\(outcome)"])
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(300))
        }
    }

    /// NOTIFY for `apex`: opcode 4, AA, the question (apex, SOA, IN) and the new SOA in the answer section.
    static func notify(_ apex: DNSName, soa: [UInt8], id: UInt16) -> [UInt8] {
        var message: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x24, 0, 0, 1, 0, 1, 0, 0, 0, 0]
        message += apex.wire + [0, 6, 0, 1]
        message += soa
        return message
    }

    /// A reply to our NOTIFY with its ID: QR set, opcode NOTIFY, NOERROR.
    static func isAcknowledgement(_ reply: [UInt8], id: UInt16) -> Bool {
        reply.count >= 12 && UInt16(reply[0]) << 8 | UInt16(reply[1]) == id && reply[2] & 0x80 != 0
            && (reply[2] >> 3) & 0x0F == 4 && reply[3] & 0x0F == 0
    }
}
