"""The control endpoint (health, readiness, Prometheus metrics, /v1/instances) and `fedns instances`."""

from __future__ import annotations

import json

from conftest import FLEET
from fednsproc import answers, metric


def test_health_and_readiness(server):
    assert server.control("/healthz") == (200, b'{"status":"ok"}\n')
    status, body = server.control("/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"


def test_metrics_count_queries_by_type_and_rcode(server):
    before = metric(server.control("/metrics")[1].decode(), "fedns_dns_queries_total", transport="udp", type="TXT", rcode="NOERROR") or 0
    for _ in range(3):
        server.query("appserver-1.ec2", "TXT")
    server.query("nope.ec2", "TXT")
    server.query("appserver-1.ec2", "A", tcp=True)
    text = server.control("/metrics")[1].decode()
    assert metric(text, "fedns_dns_queries_total", transport="udp", type="TXT", rcode="NOERROR") == before + 3
    assert metric(text, "fedns_dns_queries_total", transport="udp", type="TXT", rcode="NXDOMAIN") >= 1
    assert metric(text, "fedns_dns_queries_total", transport="tcp", type="A", rcode="NOERROR") >= 1
    assert metric(text, "fedns_dns_query_duration_seconds_count") > 0
    assert metric(text, "fedns_dns_tcp_connections_total") >= 1
    assert metric(text, "fedns_inventory_loaded") == 1
    assert metric(text, "fedns_inventory_instances", region="eu-west-1") == sum(
        1 for instance in FLEET if instance["region"] == "eu-west-1")


def test_v1_instances_document(server):
    status, body = server.control("/v1/instances")
    assert status == 200
    document = json.loads(body)
    assert document["loaded"] is True
    assert len(document["instances"]) == len(FLEET)
    kinds = {problem["kind"] for problem in document["problems"]}
    assert {"duplicate-name"} <= kinds  # web/Web and the crowd
    filtered = json.loads(server.control("/v1/instances?name=appserver-1")[1])
    assert [instance["id"] for instance in filtered["instances"]] == ["i-0e2e000000000001"]
    by_region = json.loads(server.control("/v1/instances?region=us-east-1")[1])
    assert [instance["name"] for instance in by_region["instances"]] == ["web"]


def test_fedns_instances_reads_the_running_server(server):
    result = server.run_cli("instances", "--config", str(server.config_path))
    assert result.returncode == 0, result.stderr
    assert "(from the running server at 127.0.0.1:" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "INSTANCE", "STATE"]
    assert any(line.startswith("appserver-1 ") and "54.20.0.11" in line for line in lines)
    as_json = json.loads(server.run_cli("instances", "--config", str(server.config_path), "--json", "--name", "web").stdout)
    assert sorted(instance["id"] for instance in as_json["instances"]) == ["i-0e2e000000000003", "i-0e2e000000000004"]
    problems = server.run_cli("instances", "--config", str(server.config_path), "--problems")
    assert "duplicate-name" in problems.stdout and "crowd" in problems.stdout


def test_fedns_instances_without_a_server_reads_the_file(fresh):
    fedns = fresh(instances=FLEET[:3])  # configured but never started
    result = fedns.run_cli("instances", "--config", str(fedns.config_path), "--region", "eu-west-1")
    assert result.returncode == 0, result.stderr
    assert "(from the inventory file" in result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["appserver-1", "appserver-2"]


def test_readiness_fails_until_an_inventory_loads(fresh, tmp_path):
    fedns = fresh()
    text = fedns.config_path.read_text()
    # AWS discovery with no way to succeed: an endpoint nobody listens on.
    fedns.config_path.write_text(text[: text.index("[discovery]")] + (
        '[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 1\nrequest_timeout = 1\n'
        f'snapshot = "{tmp_path}/snap.json"\nec2_endpoint = "http://127.0.0.1:9"\n'))
    fedns.environment = {"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "x", "AWS_EC2_METADATA_DISABLED": "true"}
    fedns.start(wait=False)
    fedns.wait_until(lambda: fedns.control("/healthz")[0] == 200, message="control endpoint up")
    status, body = fedns.control("/readyz")
    assert status == 503 and b"no inventory loaded yet" in body
    assert fedns.query("web.ec2").rcode() == 2  # SERVFAIL
    assert answers(fedns.query("web.ec2")) == []
