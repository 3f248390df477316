"""Response rate limiting on the real UDP listener: past [dns] rate_limit a second, replies to one network are
dropped or sent truncated (every rate_limit_slip-th), TCP and clients with our server cookie are never limited,
the metric counts both actions, and a reload changes the limit."""

from __future__ import annotations

import select
import signal
import socket
import time

import dns.edns
import dns.flags
import dns.message
import dns.query

from conftest import FLEET
from fednsproc import Fedns, answers, metric

RATE = 5


def burst(server: Fedns, count: int, options=()) -> tuple[int, int, list[dns.message.Message]]:
    """Sends `count` queries at once from one socket; returns (full replies, truncated replies, the replies)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ids = set()
        for index in range(count):
            query = dns.message.make_query("appserver-1.ec2", "A", use_edns=0, options=list(options))
            query.id = index + 1
            ids.add(query.id)
            sock.sendto(query.to_wire(), ("127.0.0.1", server.port))
        replies = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            reply = dns.message.from_wire(sock.recv(4096))
            assert reply.id in ids
            replies.append(reply)
        truncated = sum(1 for r in replies if r.flags & dns.flags.TC)
        return len(replies) - truncated, truncated, replies
    finally:
        sock.close()


def test_rate_limit_drops_and_slips_udp_only(tmp_path):
    server = Fedns(tmp_path, instances=FLEET, dns_extra=f"rate_limit = {RATE}\nrate_limit_slip = 2\n").start()
    try:
        time.sleep(1.1)  # a fresh second, clear of the readiness probes
        full, truncated, replies = burst(server, 40)
        # At most two seconds' worth answered in full (the burst may straddle a second), the rest limited: about
        # half of the limited replies truncated (slip 2), the others dropped.
        assert RATE <= full <= 2 * RATE, (full, truncated)
        limited = 40 - full
        assert limited // 2 - 2 <= truncated <= limited // 2 + 2, (full, truncated)
        for reply in replies:
            if reply.flags & dns.flags.TC:
                assert reply.answer == [] and reply.question[0].name.to_text() == "appserver-1.ec2."
        status, body = server.control("/metrics")
        text = body.decode()
        assert metric(text, "fedns_dns_rate_limited_total", action="slip") == truncated
        assert metric(text, "fedns_dns_rate_limited_total", action="drop") == limited - truncated
        # TCP is never limited: a client told to retry there gets its answer.
        for _ in range(3 * RATE):
            assert answers(server.query("appserver-1.ec2", "A", tcp=True)) == ["54.20.0.11"]
    finally:
        assert server.stop() == 0, server.log_text()


def test_verified_cookies_pass_and_a_reload_lifts_the_limit(tmp_path):
    server = Fedns(tmp_path, instances=FLEET, dns_extra="rate_limit = 1\nrate_limit_slip = 1\n").start()
    try:
        time.sleep(1.1)
        # Exhaust the limit; every limited reply is truncated (slip 1) and carries our server cookie.
        _, truncated, replies = burst(server, 5, [dns.edns.GenericOption(dns.edns.OptionType.COOKIE, bytes(range(8)))])
        assert truncated >= 3
        cookie = next(o for r in replies if r.flags & dns.flags.TC for o in r.options if o.otype == dns.edns.OptionType.COOKIE)
        full, truncated, _ = burst(server, 30, [cookie])
        assert (full, truncated) == (30, 0)
        # Without it, still limited; after a reload with rate_limit = 0, not.
        assert burst(server, 10)[1] > 0
        server.config_path.write_text(server.config_path.read_text().replace("rate_limit = 1\n", "rate_limit = 0\n"))
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: burst(server, 20)[:2] == (20, 0), message="no limit after the reload")
    finally:
        assert server.stop() == 0, server.log_text()
