"""Shared fixtures: a fleet that exercises every naming rule, and a running fedns serving it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fednsproc import FEDNS_BIN, Fedns, instance  # noqa: E402

FLEET = [
    instance("i-0e2e000000000001", "appserver-1", private=["10.20.1.11"], public="54.20.0.11", ipv6=["2001:db8:20::11"]),
    instance("i-0e2e000000000002", "appserver-2", private=["10.20.2.12"]),
    instance("i-0e2e000000000003", "web", region="us-east-1", private=["10.21.1.21"], public="54.21.0.21"),
    instance("i-0e2e000000000004", "Web", private=["10.20.1.22"], public="54.20.0.22"),
    instance("i-0e2e000000000005", None, private=["10.20.3.41"]),
    instance("i-0e2e000000000006", "db-1", state="stopped", private=["10.20.1.51"]),
    # One name shared by 100 instances: too big for 512 or 1232 bytes of UDP.
    *[instance(f"i-0c0d{index:013x}", "crowd", private=[f"10.30.0.{index}"]) for index in range(100)],
]


def pytest_configure(config):
    if not os.path.exists(FEDNS_BIN):
        raise pytest.UsageError(f"fedns binary not found at {FEDNS_BIN}: run `swift build` first (or set FEDNS_BIN)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """fedns on 127.0.0.1 and ::1 with short TCP timeouts so the timeout tests are quick."""
    fedns = Fedns(
        tmp_path_factory.mktemp("fedns"),
        instances=FLEET,
        hosts=("127.0.0.1", "::1"),
        dns_extra="tcp_idle_timeout = 2\ntcp_partial_timeout = 1\ntcp_max_connections = 16\n",
    )
    fedns.start()
    yield fedns
    code = fedns.stop()
    assert code == 0, f"fedns exited with {code} on SIGTERM:\n{fedns.log_text()}"


@pytest.fixture
def fresh(tmp_path):
    """A factory for a fedns of a test's own (stopped at the end of the test)."""
    started = []

    def make(**kwargs) -> Fedns:
        fedns = Fedns(tmp_path / f"fedns-{len(started)}", **kwargs)
        started.append(fedns)
        return fedns

    yield make
    for fedns in started:
        if fedns.alive():
            fedns.stop()
