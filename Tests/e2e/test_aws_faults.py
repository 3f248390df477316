"""AWS on a bad day, under DNS load: a fault proxy between fedns and moto_server injects every fault AWS is known
for (Tests/e2e/faultproxy.py), one at a time, while a steady DNS load asks for known names.

For each fault, while it lasts: no query for a known name fails or changes its answer, the DNS p99 stays within
twice the fault-free run's, /readyz stays ready, `fedns_aws_requests_total` counts the failure under its outcome,
and the log says what failed once per scope (not once per request or refresh); after it ends, an instance launched
during the fault is served within two refresh intervals. Also: temporary credentials that expire mid-run are
refreshed, and a profile whose role can no longer be assumed fails alone."""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from dnsload import Load
from faultproxy import FaultProxy
from fednsproc import answers, metric, rcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
import motolib  # noqa: E402

INTERVAL = 2  # refresh_interval: short, so that "two intervals" is a few seconds
TIMEOUT = 1  # request_timeout
FAULT_SECONDS = 2 * INTERVAL + 1  # each fault spans at least two refreshes
ACCOUNT = motolib.ACCOUNT


@dataclass
class Fleet:
    endpoint: str
    reader: dict
    reader_rotated: dict  # a second key of the same user, for rotating credentials
    admin: dict
    ami: str
    known: dict  # name -> [public address]

    def launch(self, name: str, region: str = "us-east-1") -> str:
        import boto3

        ec2 = boto3.client("ec2", region_name=region, endpoint_url=self.endpoint, aws_access_key_id=self.admin["access_key_id"],
                           aws_secret_access_key=self.admin["secret_access_key"])
        return motolib.run(ec2, self.ami, name)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    process, endpoint = motolib.start(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        iam = motolib.client(endpoint, "iam")
        reader = motolib.make_user(iam, "fault-reader", "ec2:Describe*", "sts:AssumeRole")
        rotated = iam.create_access_key(UserName="fault-reader")["AccessKey"]
        admin = motolib.make_user(iam, "fault-admin", "ec2:*")
        iam.create_role(RoleName="fedns-reader", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/fault-reader"},
                                                    "Action": "sts:AssumeRole"}]}))
        iam.put_role_policy(RoleName="fedns-reader", PolicyName="describe", PolicyDocument=motolib.policy("ec2:Describe*"))
        east = motolib.client(endpoint, "ec2", "us-east-1")
        ami = motolib.linux_ami(east)
        for name in ("web-1", "web-2"):
            motolib.run(east, ami, name)
        motolib.run(motolib.client(endpoint, "ec2", "eu-west-1"), ami, "eu-web-1")
        known = {}
        for region in ("us-east-1", "eu-west-1"):
            for reservation in motolib.client(endpoint, "ec2", region).describe_instances()["Reservations"]:
                for item in reservation["Instances"]:
                    name = next(tag["Value"] for tag in item["Tags"] if tag["Key"] == "Name")
                    known[f"{name}.ec2."] = [item["PublicIpAddress"]]
        motolib.reset_auth(endpoint)
        yield Fleet(endpoint, reader, {"access_key_id": rotated["AccessKeyId"], "secret_access_key": rotated["SecretAccessKey"]},
                    admin, ami, known)
    finally:
        process.terminate()
        process.wait(10)


def discovery(endpoint: str, snapshot: Path, profiles: list[str] | None = None) -> str:
    text = (f'[discovery]\nsource = "aws"\nregions = ["us-east-1", "eu-west-1"]\nrefresh_interval = {INTERVAL}\n'
            f'request_timeout = {TIMEOUT}\nsnapshot = "{snapshot}"\nec2_endpoint = "{endpoint}"\nsts_endpoint = "{endpoint}"\n')
    if profiles:
        text += "profiles = [" + ", ".join(f'"{p}"' for p in profiles) + "]\n"
    return text


def start(fresh, endpoint: str, workdir: Path, environment: dict, profiles: list[str] | None = None):
    fedns = fresh()
    text = fedns.config_path.read_text()
    fedns.config_path.write_text(text[: text.index("[discovery]")] + discovery(endpoint, workdir / "snapshot.json", profiles))
    fedns.environment = {"AWS_EC2_METADATA_DISABLED": "true", **environment}
    return fedns.start(wait=False)


def static_keys(keys: dict) -> dict:
    return {"AWS_ACCESS_KEY_ID": keys["access_key_id"], "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"]}


def ready(fedns) -> bool:
    return fedns.control("/readyz")[0] == 200


def counted(fedns, outcome: str) -> float:
    return metric(fedns.control("/metrics")[1].decode(), "fedns_aws_requests_total", operation="DescribeInstances",
                  outcome=outcome) or 0


def failure_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "refresh failed" in line]


# mode -> (the outcome fedns_aws_requests_total counts it under, what the logged reason names)
FAULTS = {
    "error500": ("serverError", "InternalError"),
    "unavailable": ("serverError", "Unavailable"),
    "throttle": ("throttling", "RequestLimitExceeded"),
    "reset": ("transient", ""),
    "stall": ("transient", ""),
    "truncate": ("malformedResponse", "unreadable response"),
    "garble": ("malformedResponse", "unreadable response"),
    "drip": ("transient", ""),
    "expired": ("expiredCredentials", "ExpiredToken"),
}


@pytest.fixture(scope="module")
def faulty(fleet, tmp_path_factory):
    """One fedns behind one proxy for the fault matrix, with the fault-free DNS p99 measured first."""
    from fednsproc import Fedns

    workdir = tmp_path_factory.mktemp("faults")
    proxy = FaultProxy(fleet.endpoint)
    fedns = Fedns(workdir / "fedns")
    text = fedns.config_path.read_text()
    fedns.config_path.write_text(text[: text.index("[discovery]")] + discovery(proxy.endpoint, workdir / "snapshot.json"))
    fedns.environment = {"AWS_EC2_METADATA_DISABLED": "true", **static_keys(fleet.reader)}
    fedns.start(wait=False)
    try:
        fedns.wait_until(lambda: all(answers(fedns.query(name)) == addresses for name, addresses in fleet.known.items()),
                         message="the fleet served")
        baseline = Load(fedns.port, FAULT_SECONDS, fleet.known).result()
        assert baseline["failed"] == 0 and baseline["wrong"] == 0, baseline
        yield fedns, proxy, baseline
    finally:
        proxy.mode = "pass"
        fedns.stop()
        proxy.close()


@pytest.mark.parametrize("mode", list(FAULTS))
def test_a_fault_changes_nothing_served_and_recovers_within_two_intervals(faulty, fleet, mode):
    fedns, proxy, baseline = faulty
    outcome, named = FAULTS[mode]
    before = counted(fedns, outcome)
    log_start = len(fedns.log_text())
    late = f"late-{mode}"

    proxy.mode = mode
    load = Load(fedns.port, 60, fleet.known)
    fleet.launch(late)
    # The fault lasts at least two refresh intervals, and until a refresh has failed of it (retries and backoff
    # included), at most 20 s.
    started = time.monotonic()
    readiness = []
    while time.monotonic() - started < FAULT_SECONDS or (
            time.monotonic() - started < 20 and not (counted(fedns, outcome) > before and failure_lines(fedns.log_text()[log_start:]))):
        readiness.append(ready(fedns))
        time.sleep(0.25)
    during = load.stop()
    fault_log = fedns.log_text()[log_start:]
    proxy.mode = "pass"
    ended = time.monotonic()

    # Served as before, as fast as before.
    assert during["failed"] == 0 and during["wrong"] == 0, during
    assert during["p99_ms"] <= 2 * max(baseline["p99_ms"], 5.0), (during, baseline)
    assert all(readiness), f"/readyz was not ready during {mode}"
    assert rcode(fedns.query(f"{late}.ec2.")) == "NXDOMAIN", "the inventory changed while AWS was failing"
    # Counted under its outcome, and logged once per scope with what failed.
    assert counted(fedns, outcome) > before, f"no {outcome} counted during {mode}"
    failures = failure_lines(fault_log)
    assert failures, f"{mode} not logged:\n{fault_log[-3000:]}"
    for scope in ("default/us-east-1", "default/eu-west-1"):
        assert len([line for line in failures if scope in line]) <= 1, f"{scope} logged more than once:\n" + "\n".join(failures)
    assert all(named in line for line in failures), failures

    # Recovered within two refresh intervals.
    fedns.wait_until(lambda: rcode(fedns.query(f"{late}.ec2.")) == "NOERROR", timeout=10, message=f"{late} served")
    assert time.monotonic() - ended <= 2 * INTERVAL + 0.5, f"recovery took {time.monotonic() - ended:.1f} s"
    assert "scope recovered" in fedns.log_text()[log_start:]


def test_a_skewed_clock_is_corrected_and_refreshes_go_on(faulty, fleet):
    fedns, proxy, baseline = faulty
    log_start = len(fedns.log_text())
    proxy.mode = "skew"
    load = Load(fedns.port, FAULT_SECONDS, fleet.known)
    started = time.monotonic()
    fleet.launch("late-skew")
    fedns.wait_until(lambda: rcode(fedns.query("late-skew.ec2.")) == "NOERROR", timeout=10, message="served during the skew")
    assert time.monotonic() - started <= 2 * INTERVAL + 0.5
    during = load.result()
    proxy.mode = "pass"
    assert during["failed"] == 0 and during["wrong"] == 0, during
    log = fedns.log_text()[log_start:]
    assert log.count("clock is off") == 1, log[-3000:]
    assert "offset_seconds=1" in log or "offset_seconds\":\"1" in log or re.search(r"offset_seconds.{0,3}1[12]\d\d", log), log[-2000:]
    assert not failure_lines(log), log[-3000:]
    # And back: the next change is served too.
    fleet.launch("after-skew")
    fedns.wait_until(lambda: rcode(fedns.query("after-skew.ec2.")) == "NOERROR", timeout=2 * INTERVAL + 3, message="after the skew")


CREDENTIAL_PROCESS = """import datetime, json, pathlib, sys
here = pathlib.Path(sys.argv[1])
keys = json.loads((here / "keys.json").read_text())
with open(here / "calls", "a") as calls:
    calls.write(keys["access_key_id"] + "\\n")
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=300 + float(sys.argv[2]))
print(json.dumps({"Version": 1, "AccessKeyId": keys["access_key_id"], "SecretAccessKey": keys["secret_access_key"],
                  "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


def test_credentials_that_expire_mid_run_are_refreshed(fleet, fresh, tmp_path):
    """A credential_process whose credentials expire a few seconds after the 5-minute refresh margin: fedns asks
    again before they expire. Then the key it handed out is revoked (the proxy answers ExpiredToken for it) while
    the process hands out a new one: fedns fetches the new key and the refresh succeeds without a failure."""
    proxy = FaultProxy(fleet.endpoint)
    try:
        (tmp_path / "keys.json").write_text(json.dumps(fleet.reader))
        (tmp_path / "cp.py").write_text(CREDENTIAL_PROCESS)
        (tmp_path / "config").write_text(
            f"[profile rotating]\nregion = us-east-1\ncredential_process = {sys.executable} {tmp_path / 'cp.py'} {tmp_path} 3\n")
        fedns = start(fresh, proxy.endpoint, tmp_path, {"AWS_CONFIG_FILE": str(tmp_path / "config"),
                                                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")},
                      profiles=["rotating"])
        fedns.wait_until(lambda: answers(fedns.query("web-1.ec2.")) == fleet.known["web-1.ec2."], message="first load")
        calls = lambda: (tmp_path / "calls").read_text().split()  # noqa: E731
        first = len(calls())
        fedns.wait_until(lambda: len(calls()) >= first + 2, timeout=15, message="credentials fetched again before expiry")

        # Revoke the current key; the process now hands out another.
        (tmp_path / "keys.json").write_text(json.dumps(fleet.reader_rotated))
        proxy.expire_keys = {fleet.reader["access_key_id"]}
        log_start = len(fedns.log_text())
        fleet.launch("after-rotation")
        fedns.wait_until(lambda: rcode(fedns.query("after-rotation.ec2.")) == "NOERROR", timeout=3 * INTERVAL + 5,
                         message="served with the rotated key")
        assert fleet.reader_rotated["access_key_id"] in calls()
        assert fleet.reader_rotated["access_key_id"] in {key for _, key in proxy.calls}
        assert not failure_lines(fedns.log_text()[log_start:]), fedns.log_text()[log_start:][-3000:]
        assert ready(fedns)
    finally:
        proxy.close()


def test_a_profile_whose_role_can_no_longer_be_assumed_fails_alone(fleet, fresh, tmp_path):
    """Two profiles: `base` (keys) and `role` (role_arn + source_profile base). Once the role's session is
    revoked and AssumeRole is denied, the role's scopes fail and say so once, and base's keep refreshing."""
    proxy = FaultProxy(fleet.endpoint)
    try:
        (tmp_path / "credentials").write_text(
            f"[base]\naws_access_key_id = {fleet.reader['access_key_id']}\naws_secret_access_key = {fleet.reader['secret_access_key']}\n")
        (tmp_path / "config").write_text(
            f"[profile base]\nregion = us-east-1\n[profile role]\nregion = us-east-1\n"
            f"role_arn = arn:aws:iam::{ACCOUNT}:role/fedns-reader\nsource_profile = base\n")
        fedns = start(fresh, proxy.endpoint, tmp_path, {"AWS_CONFIG_FILE": str(tmp_path / "config"),
                                                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")},
                      profiles=["base", "role"])
        fedns.wait_until(lambda: answers(fedns.query("web-2.ec2.")) == fleet.known["web-2.ec2."], message="first load")
        fedns.wait_until(lambda: proxy.issued, message="the role assumed")

        log_start = len(fedns.log_text())
        proxy.deny_assume_role = True
        proxy.expire_keys = set(proxy.issued)
        load = Load(fedns.port, 3 * INTERVAL, fleet.known)
        fedns.wait_until(lambda: len(failure_lines(fedns.log_text()[log_start:])) >= 2, timeout=15, message="the role's failure logged")
        fleet.launch("base-still-refreshes")
        fedns.wait_until(lambda: rcode(fedns.query("base-still-refreshes.ec2.")) == "NOERROR", timeout=3 * INTERVAL + 3,
                         message="base's scopes still refreshing")
        during = load.result()
        assert during["failed"] == 0 and during["wrong"] == 0, during
        assert ready(fedns)

        failures = failure_lines(fedns.log_text()[log_start:])
        assert failures and all("role/" in line for line in failures), failures
        assert all("AccessDenied" in line for line in failures), failures
        for scope in ("role/us-east-1", "role/eu-west-1"):
            assert len([line for line in failures if scope in line]) == 1, failures
        document = json.loads(fedns.control("/v1/instances")[1])
        statuses = {f"{s.get('profile')}/{s['region']}": s for s in document.get("sources", document.get("scopes", []))}
        assert statuses["role/us-east-1"].get("last_error") and not statuses["base/us-east-1"].get("last_error"), statuses
    finally:
        proxy.close()
