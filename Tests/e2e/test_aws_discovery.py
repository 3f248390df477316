"""Discovery from a real local EC2 API: moto_server with signature checking on, and a fault proxy in front of it."""

from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from faultproxy import FaultProxy
from fednsproc import answers, metric, rcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
import motolib  # noqa: E402


@dataclass
class Moto:
    endpoint: str
    reader: dict
    admin: dict
    instances: dict  # name -> described instance (boto3 shape)

    def ec2(self, region: str = "us-east-1"):
        import boto3

        return boto3.client("ec2", region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id=self.admin["access_key_id"],
                            aws_secret_access_key=self.admin["secret_access_key"])


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    process, endpoint = motolib.start(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        iam = motolib.client(endpoint, "iam")
        reader = motolib.make_user(iam, "fedns-reader", "ec2:Describe*")
        admin = motolib.make_user(iam, "fedns-admin", "ec2:*")
        east = motolib.client(endpoint, "ec2", "us-east-1")
        ami = motolib.linux_ami(east)
        ids = {name: motolib.run(east, ami, name) for name in ("web-1", "web-2", "db-1")}
        ids["untagged"] = motolib.run(east, ami)
        east.stop_instances(InstanceIds=[ids["db-1"]])
        ids["eu-web-1"] = motolib.run(motolib.client(endpoint, "ec2", "eu-west-1"), ami, "eu-web-1")
        described = {}
        for region in ("us-east-1", "eu-west-1"):
            for reservation in motolib.client(endpoint, "ec2", region).describe_instances()["Reservations"]:
                for item in reservation["Instances"]:
                    name = next((name for name, iid in ids.items() if iid == item["InstanceId"]), None)
                    described[name] = item
        motolib.reset_auth(endpoint)  # from here on, only correctly signed requests by IAM users pass
        yield Moto(endpoint, reader, admin, described)
    finally:
        process.terminate()
        process.wait(10)


def aws_config(endpoint: str, snapshot: Path, *, interval: float = 1, timeout: float = 2) -> str:
    return (
        f'[discovery]\nsource = "aws"\nregions = ["us-east-1", "eu-west-1"]\nrefresh_interval = {interval}\n'
        f'request_timeout = {timeout}\nsnapshot = "{snapshot}"\nec2_endpoint = "{endpoint}"\n'
    )


def start_aws_fedns(fresh, moto: Moto, endpoint: str, snapshot: Path, *, secret: str | None = None, **kwargs):
    fedns = fresh(**kwargs)
    # The file-source section written by the fixture is replaced by an AWS one.
    text = fedns.config_path.read_text()
    fedns.config_path.write_text(text[: text.index("[discovery]")] + aws_config(endpoint, snapshot))
    fedns.environment = {
        "AWS_ACCESS_KEY_ID": moto.reader["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": secret or moto.reader["secret_access_key"],
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return fedns.start(wait=False)


def public_ip(moto: Moto, name: str) -> str:
    return moto.instances[name]["PublicIpAddress"]


def test_the_zone_comes_from_ec2(moto, fresh, tmp_path):
    fedns = start_aws_fedns(fresh, moto, moto.endpoint, tmp_path / "snapshot.json")
    fedns.wait_until(lambda: rcode(fedns.query("web-1.ec2")) == "NOERROR", message="web-1.ec2 resolving")
    assert answers(fedns.query("web-1.ec2")) == [public_ip(moto, "web-1")]
    assert answers(fedns.query("web-2.us-east-1.ec2")) == [public_ip(moto, "web-2")]
    assert answers(fedns.query("eu-web-1.eu-west-1.ec2")) == [public_ip(moto, "eu-web-1")]
    assert rcode(fedns.query("web-1.eu-west-1.ec2")) == "NXDOMAIN"
    assert rcode(fedns.query("db-1.ec2")) == "NXDOMAIN"  # stopped
    untagged = moto.instances["untagged"]
    assert answers(fedns.query(f"{untagged['InstanceId']}.ec2")) == [untagged["PublicIpAddress"]]
    txt = fedns.query("web-1.ec2", "TXT").answer[0][0].strings
    assert b"region=us-east-1" in txt and f"instance-id={moto.instances['web-1']['InstanceId']}".encode() in txt
    private = moto.instances["web-1"]["PrivateIpAddress"]
    reverse = ".".join(reversed(private.split("."))) + ".in-addr.arpa."
    assert answers(fedns.query(reverse, "PTR")) == ["web-1.ec2."]
    assert "refresh complete" in fedns.log_text()


def scheduling_policies(pid: int) -> list[int]:
    """The scheduling policy of each of the process's threads (field 41 of /proc/PID/task/TID/stat)."""
    policies = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        policies.append(int(stat.read_text().rsplit(")", 1)[1].split()[41 - 3]))
    return policies


def test_refreshes_run_on_one_idle_priority_thread(moto, fresh, tmp_path):
    fedns = start_aws_fedns(fresh, moto, moto.endpoint, tmp_path / "snapshot.json")
    fedns.wait_until(lambda: rcode(fedns.query("web-1.ec2")) == "NOERROR", message="web-1.ec2 resolving")
    sched_idle = 5
    assert scheduling_policies(fedns.process.pid).count(sched_idle) == 1
    assert "priority=SCHED_IDLE" in fedns.log_text()


def test_a_wrongly_signed_request_is_refused_and_reported(moto, fresh, tmp_path):
    fedns = start_aws_fedns(fresh, moto, moto.endpoint, tmp_path / "snapshot.json", secret="not-the-secret")
    fedns.wait_until(lambda: "AuthFailure" in fedns.log_text(), message="AuthFailure logged")
    # Nothing ever loaded: the zone answers SERVFAIL, never an empty zone's NXDOMAIN.
    assert rcode(fedns.query("web-1.ec2")) == "SERVFAIL"
    assert fedns.alive()
    assert "no inventory loaded yet" in fedns.log_text()


def test_faults_serve_the_last_good_data_and_recover(moto, fresh, tmp_path):
    proxy = FaultProxy(moto.endpoint)
    try:
        fedns = start_aws_fedns(fresh, moto, proxy.endpoint, tmp_path / "snapshot.json")
        fedns.wait_until(lambda: rcode(fedns.query("web-1.ec2")) == "NOERROR", message="first load")

        proxy.mode = "throttle"
        before = proxy.requests
        fedns.wait_until(lambda: "RequestLimitExceeded" in fedns.log_text(), message="throttling reported")
        assert proxy.requests - before >= 3, "throttling must be retried (standard mode: 3 attempts)"
        assert answers(fedns.query("web-1.ec2")) == [public_ip(moto, "web-1")]
        # The operator sees it: calls by outcome, and the age of the last good refresh growing per region.
        metrics = fedns.control("/metrics")[1].decode()
        assert metric(metrics, "fedns_aws_requests_total", operation="DescribeInstances", outcome="ok") >= 2
        assert metric(metrics, "fedns_aws_requests_total", operation="DescribeInstances", outcome="throttling") >= 1
        assert metric(metrics, "fedns_inventory_refresh_age_seconds", region="us-east-1", profile="default") >= 0

        launched = moto.ec2().run_instances(
            ImageId=moto.instances["web-1"]["ImageId"], MinCount=1, MaxCount=1, InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "late-1"}]}],
        )["Instances"][0]

        proxy.mode = "truncate"
        fedns.wait_until(lambda: fedns.log_text().count("refresh failed") >= 2, message="truncated XML reported")
        assert rcode(fedns.query("late-1.ec2")) == "NXDOMAIN"
        assert answers(fedns.query("web-1.ec2")) == [public_ip(moto, "web-1")]

        proxy.mode = "stall"
        fedns.wait_until(lambda: fedns.log_text().count("refresh failed") >= 3, timeout=30, message="stall reported")
        assert answers(fedns.query("web-1.ec2")) == [public_ip(moto, "web-1")]

        proxy.mode = "pass"
        fedns.wait_until(lambda: rcode(fedns.query("late-1.ec2")) == "NOERROR", timeout=30, message="recovery")
        assert "scope recovered" in fedns.log_text()
        assert fedns.alive()
        assert launched["InstanceId"]
    finally:
        proxy.mode = "pass"
        proxy.close()


def test_the_persisted_snapshot_answers_when_aws_is_down(moto, fresh, tmp_path):
    snapshot = tmp_path / "snapshot.json"
    fedns = start_aws_fedns(fresh, moto, moto.endpoint, snapshot)
    fedns.wait_until(lambda: rcode(fedns.query("web-1.ec2")) == "NOERROR", message="first load")
    assert fedns.stop(signal.SIGTERM) == 0
    saved = json.loads(snapshot.read_text())
    assert moto.instances["web-1"]["InstanceId"] in {instance["id"] for instance in saved["instances"]}
    serial = saved["serial"]

    proxy = FaultProxy(moto.endpoint)
    proxy.mode = "refuse"
    try:
        again = start_aws_fedns(fresh, moto, proxy.endpoint, snapshot)
        again.wait_until(lambda: rcode(again.query("web-1.ec2")) == "NOERROR", timeout=10, message="answer from the snapshot")
        assert answers(again.query("web-1.ec2")) == [public_ip(moto, "web-1")]
        assert again.query("ec2.", "SOA").answer[0][0].serial == serial
        assert "persisted snapshot loaded" in again.log_text()
        again.wait_until(lambda: "refresh failed" in again.log_text(), message="outage reported")
        assert answers(again.query("web-1.ec2")) == [public_ip(moto, "web-1")]
    finally:
        proxy.close()


def test_a_corrupt_snapshot_is_reported_and_ignored(moto, fresh, tmp_path):
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text('{"instances": [ {"id": ')
    fedns = start_aws_fedns(fresh, moto, moto.endpoint, snapshot)
    fedns.wait_until(lambda: rcode(fedns.query("web-1.ec2")) == "NOERROR", message="load despite a corrupt snapshot")
    assert "ignoring the persisted snapshot" in fedns.log_text()
    fedns.wait_until(lambda: json.loads(snapshot.read_text())["instances"], message="snapshot rewritten")
