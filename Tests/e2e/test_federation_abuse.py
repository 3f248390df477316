"""The HTTPS listener under abuse (a short run of httpsabuse.py; bench/https-abuse/run.sh runs 1,000 idle
connections and more): idle TLS connections, slowloris heads, stalled handshakes and a handshake flood, attackers
reconnecting as soon as they are cut, while legitimate clients keep being answered fast and the server's memory and
open files stay bounded and come back down."""

from __future__ import annotations

import time

import pytest

from fedfixtures import seeded_localhost
from httpsabuse import fd_count, measure, rss_kb

IDLE_TIMEOUT = 2


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    server, ca = seeded_localhost(tmp_path_factory.mktemp("abuse"), "Abuse Root",
                                  f"idle_timeout = {IDLE_TIMEOUT}\nmax_connections = 1024\n")
    server.start()
    yield server, ca
    assert server.stop() == 0, server.log_text()[-3000:]


def test_abuse_leaves_legitimate_clients_fast_and_memory_bounded(guarded):
    server, ca = guarded
    pid = server.process.pid
    figures = measure(pid, server.https_port, ca, "/federation?type=name&q=bob*localhost",
                      idle=200, slowloris=20, stalled=20, flood=2, seconds=10)
    keep, new = figures["keep_alive"], figures["new_connections"]
    assert keep["failed"] == 0 and new["failed"] == 0, figures
    assert keep["p99_ms"] < 50, figures
    assert new["p99_ms"] < 50, figures
    # The attackers were there, and the server cut the ones that misbehave (they reconnected and were cut again).
    assert figures["opened"]["idle"] >= 200 and figures["opened"]["flood"] > 50, figures
    for kind in ("idle", "slowloris", "stalled"):
        assert figures["closed_by_server"][kind] > 0, f"no {kind} connection was cut: {figures}"
    # Memory stays bounded: 240 connections held, thousands of handshakes, a few tens of MB at most.
    assert figures["rss_peak_kb"] - figures["rss_before_kb"] < 100_000, figures
    # Once the attackers stop, every connection they held is gone within the idle timeout.
    deadline = time.monotonic() + IDLE_TIMEOUT + 5
    while fd_count(pid) > figures["fds_before"] + 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert fd_count(pid) <= figures["fds_before"] + 5, (fd_count(pid), figures)
    assert server.alive()
    print(figures, rss_kb(pid))
