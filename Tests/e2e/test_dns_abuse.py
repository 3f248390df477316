"""TCP clients that send and never read: fedns stops reading such a connection once its replies back up, so its
memory does not grow with the queries sent, other clients are served, and the idle timeout closes it."""

from __future__ import annotations

import time

import dns.message

from conftest import FLEET
from fednsproc import Fedns, answers, metric
from stalledreaders import StalledReaders, rss_mb


def test_stalled_readers_are_bounded_and_closed(tmp_path):
    server = Fedns(tmp_path, instances=FLEET, dns_extra="tcp_idle_timeout = 3\n").start()
    try:
        query = dns.message.make_query("appserver-1.ec2", "TXT").to_wire()
        before = rss_mb(server.process.pid)
        # 10 clients, each about 1 MB of queries (5 MB of replies).
        stalled = StalledReaders(server.port, query, clients=10, queries_each=30_000).start()
        time.sleep(1.5)
        # Others are served meanwhile, over both transports.
        assert answers(server.query("appserver-1.ec2")) == ["54.20.0.11"]
        assert answers(server.query("appserver-1.ec2", tcp=True)) == ["54.20.0.11"]
        grown = rss_mb(server.process.pid) - before
        # Unbounded, the 10 connections' replies would be some 50 MB (reading 4 x 64 KiB a round: 21 MB); bounded, a few hundred KB each.
        assert grown < 10, f"RSS grew {grown:.1f} MB"

        def open_connections() -> float:
            return metric(server.control("/metrics")[1].decode(), "fedns_dns_tcp_connections")
        server.wait_until(lambda: open_connections() == 0, timeout=20, message="stalled connections closed")
        stalled.close()
        assert server.alive()
    finally:
        assert server.stop() == 0, server.log_text()
