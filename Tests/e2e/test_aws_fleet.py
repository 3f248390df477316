"""Many accounts and regions from one server: role_arn profiles into several moto accounts, throttling from AWS
(RequestLimitExceeded through the fault proxy) slowing a refresh down without failing it, and the client-side
request limit per account and region measured at the proxy."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import pytest

from faultproxy import FaultProxy
from fednsproc import answers, rcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
import motolib  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
ACCOUNTS = motolib.fleet_accounts(5)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """moto with 5 accounts x 3 regions, one named instance in each; yields (endpoint, {name: private address})."""
    process, endpoint = motolib.start(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        names = {}
        ami = motolib.linux_ami(motolib.client(endpoint, "ec2"))
        for number, account in enumerate(ACCOUNTS):
            keys = motolib.account_keys(endpoint, account)
            for region in REGIONS:
                ec2 = motolib.account_client(endpoint, "ec2", account, region, keys)
                name = f"a{number}-{region}"
                instance_id = motolib.run(ec2, ami, name)
                described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
                assert described["OwnerId"] == account
                names[name] = described["Instances"][0]["PublicIpAddress"]
        yield endpoint, names
    finally:
        process.terminate()
        process.wait(10)


def start_fleet_fedns(fresh, tmp_path, endpoint: str, proxy: FaultProxy, *, accounts=ACCOUNTS, regions=REGIONS,
                      extra: str = ""):
    profiles, environment = motolib.write_fleet_profiles(tmp_path / "aws", accounts)
    fedns = fresh()
    text = fedns.config_path.read_text()
    quoted = lambda values: "[" + ", ".join(f'"{value}"' for value in values) + "]"  # noqa: E731
    fedns.config_path.write_text(
        text[: text.index("[discovery]")]
        + f'[discovery]\nsource = "aws"\nregions = {quoted(regions)}\nprofiles = {quoted(profiles)}\n'
        f'refresh_interval = 30\nrequest_timeout = 5\nsnapshot = "{tmp_path / "snapshot.json"}"\n'
        f'ec2_endpoint = "{proxy.endpoint}"\nsts_endpoint = "{endpoint}"\n{extra}')
    fedns.environment = environment
    return fedns.start(wait=False)


def refreshes(fedns) -> list[dict[str, int]]:
    """The `refresh complete` log lines' numbers, in order."""
    return [{key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}
            for line in fedns.log_text().splitlines() if "refresh complete" in line]


def throttled_total(metrics: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("fedns_aws_throttled_total{"))


def test_throttling_slows_a_refresh_down_instead_of_failing_it(fleet, fresh, tmp_path):
    endpoint, names = fleet
    proxy = FaultProxy(endpoint)
    try:
        fedns = start_fleet_fedns(fresh, tmp_path, endpoint, proxy, extra="host_keys = false\n")
        fedns.wait_until(lambda: len(refreshes(fedns)) >= 1, timeout=60, message="first refresh")
        first = refreshes(fedns)[0]
        assert first["scopes_ok"] == len(ACCOUNTS) * len(REGIONS) and first["scopes_failed"] == 0, first
        for name, address in names.items():
            assert answers(fedns.query(f"{name}.ec2")) == [address], name
        assert throttled_total(fedns.control("/metrics")[1].decode()) == 0

        # AWS throttles the next 31 DescribeInstances, then recovers: more than two per scope, so at least one
        # scope is throttled as often as the standard retry mode's three attempts allow, and must retry past them.
        scopes = len(ACCOUNTS) * len(REGIONS)
        burst = 2 * scopes + 1
        proxy.throttle_next = burst
        fedns.process.send_signal(signal.SIGHUP)
        while len(refreshes(fedns)) < 2:
            # Names keep resolving from the last snapshot meanwhile.
            assert answers(fedns.query("a0-us-east-1.ec2")) == [names["a0-us-east-1"]]
            assert fedns.alive()
            time.sleep(0.05)
        fedns.wait_until(lambda: len(refreshes(fedns)) >= 2, timeout=60, message="the throttled refresh")
        throttled_refresh = refreshes(fedns)[1]
        assert proxy.throttled == burst
        assert throttled_refresh["scopes_ok"] == scopes, throttled_refresh
        assert throttled_refresh["scopes_failed"] == 0, fedns.log_text()[-4000:]
        # Slower: every throttled call waited for its backoff and for the cut rate's next token.
        assert throttled_refresh["ms"] >= 100, throttled_refresh
        assert "lowering the request rate" in fedns.log_text()

        metrics = fedns.control("/metrics")[1].decode()
        assert throttled_total(metrics) == burst
        assert re.search(r'fedns_aws_throttled_total\{[^}]*operation="DescribeInstances"[^}]*profile="acct-', metrics)
        # No call failed: every one was retried to success.
        assert 'outcome="throttling"' not in metrics
        for name, address in names.items():
            assert answers(fedns.query(f"{name}.ec2")) == [address], name
        assert rcode(fedns.query("no-such-name.ec2")) == "NXDOMAIN"
    finally:
        proxy.close()


def test_the_client_side_limit_holds_each_account_and_region_to_its_bucket(fleet, fresh, tmp_path):
    """GetConsoleOutput for host keys asked at up to 100/s, limited per account and region to 2 tokens refilled at
    4/s: counted at the proxy, no second holds more than the bucket allows, and the limit is what paced them."""
    endpoint, _ = fleet
    account = ACCOUNTS[0]
    ec2 = motolib.account_client(endpoint, "ec2", account, "eu-west-1")
    ec2.run_instances(ImageId=motolib.linux_ami(ec2), MinCount=15, MaxCount=15, InstanceType="t3.micro")
    proxy = FaultProxy(endpoint)
    try:
        fedns = start_fleet_fedns(fresh, tmp_path, endpoint, proxy, accounts=[account], regions=["eu-west-1"],
                                  extra="host_keys = true\nhost_key_rate = 100\nrequest_rate = 4\nrequest_burst = 2\n")
        running = 16  # the fixture's instance and the 15 above
        fedns.wait_until(lambda: len(proxy.actions("GetConsoleOutput")) >= running, timeout=30,
                         message="every console read")
        times = sorted(when for when, action, region, _ in proxy.timeline
                       if action == "GetConsoleOutput" and region == "eu-west-1")
        assert len(times) >= running
        # In any one second: at most the burst plus one second of refill (2 + 4), with a little slack for
        # scheduling (a request is counted on arrival, after its token was taken).
        busiest = max(sum(1 for other in times if start <= other < start + 1.0) for start in times)
        assert busiest <= 2 + 4 + 1, (busiest, times)
        # Without the limit, 100/s would have asked all 16 in a fraction of a second.
        span = times[running - 1] - times[0]
        assert span >= (running - 2) / 4 * 0.8, span
        assert proxy.throttled == 0
        assert fedns.alive()
    finally:
        proxy.close()
