"""The command line: serve (demo and configured), check-config, lookup, reloads, and start-up failures."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query
import pytest

from conftest import FLEET
from fednsproc import FEDNS_BIN, answers, free_port, instance, rcode


def test_lookup_prints_like_dig_short(server):
    port = str(server.port)
    result = server.run_cli("lookup", "web.ec2", "--server", f"127.0.0.1:{port}")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["54.20.0.22", "54.21.0.21"]
    txt = server.run_cli("lookup", "appserver-1.ec2", "-t", "TXT", "-s", f"127.0.0.1:{port}", "--tcp")
    assert txt.stdout.startswith('"instance-id=i-0e2e000000000001" "region=eu-west-1"')
    missing = server.run_cli("lookup", "nope.ec2", "--server", f"127.0.0.1:{port}")
    assert missing.returncode == 1 and "NXDOMAIN" in missing.stderr
    nodata = server.run_cli("lookup", "appserver-2.ec2", "-t", "AAAA", "--server", f"127.0.0.1:{port}")
    assert nodata.returncode == 0 and nodata.stdout == ""
    by_config = server.run_cli("lookup", "appserver-2.ec2", "--config", str(server.config_path))
    assert by_config.stdout.split() == ["10.20.2.12"]
    crowd = server.run_cli("lookup", "crowd.ec2", "--server", f"127.0.0.1:{port}")
    assert len(crowd.stdout.split()) == 100  # truncated over UDP, retried over TCP


def test_lookup_reports_an_unreachable_server():
    port = free_port()
    result = subprocess.run([FEDNS_BIN, "lookup", "web.ec2", "--server", f"127.0.0.1:{port}"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "no answer" in result.stderr or "cannot reach" in result.stderr


def test_check_config(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[dns]\nlisten = ["127.0.0.1:5399"]\n[discovery]\nsource = "file"\nfile = "inv.json"\n')
    result = subprocess.run([FEDNS_BIN, "check-config", "--config", str(good)], capture_output=True, text=True)
    assert result.returncode == 0 and "OK" in result.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[dns]\nttl = "soon"\n')
    result = subprocess.run([FEDNS_BIN, "check-config", "--config", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{bad}: dns.ttl: expected an integer" in result.stderr


def test_serve_refuses_a_bad_config_and_names_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[dns]\naddress = "both"\n')
    result = subprocess.run([FEDNS_BIN, "serve", "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "dns.address" in result.stderr and '"auto", "private" or "public"' in result.stderr


def test_serve_refuses_a_missing_inventory(fresh):
    fedns = fresh()
    fedns.inventory_path.unlink()
    fedns.start(wait=False)
    assert fedns.process.wait(30) != 0
    assert str(fedns.inventory_path) in fedns.log_text()


def test_port_in_use_is_a_clear_error(fresh):
    fedns = fresh(instances=FLEET[:2])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", fedns.port))
        fedns.start(wait=False)
        assert fedns.process.wait(30) != 0
    assert "address already in use" in fedns.log_text()
    assert f"127.0.0.1:{fedns.port}" in fedns.log_text()


def test_inventory_edits_are_picked_up_and_sigterm_exits_cleanly(fresh):
    fedns = fresh(instances=[instance("i-1", "alpha", private=["10.40.0.1"])]).start()
    assert answers(fedns.query("alpha.ec2")) == ["10.40.0.1"]
    serial_before = fedns.query("ec2.", "SOA").answer[0][0].serial
    fedns.write_inventory([instance("i-2", "beta", private=["10.40.0.2"])])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and rcode(fedns.query("beta.ec2")) != "NOERROR":
        time.sleep(0.1)
    assert answers(fedns.query("beta.ec2")) == ["10.40.0.2"]
    assert rcode(fedns.query("alpha.ec2")) == "NXDOMAIN"
    assert fedns.query("ec2.", "SOA").answer[0][0].serial > serial_before
    # A broken edit keeps the last good inventory.
    fedns.inventory_path.write_text("{ broken")
    time.sleep(2)
    assert answers(fedns.query("beta.ec2")) == ["10.40.0.2"]
    assert "inventory file is invalid" in fedns.log_text()
    assert fedns.stop(signal.SIGTERM) == 0


def test_sighup_reloads_the_inventory(fresh):
    fedns = fresh(instances=[instance("i-1", "alpha", private=["10.41.0.1"])]).start()
    fedns.write_inventory([instance("i-1", "alpha", private=["10.41.0.9"])])
    fedns.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and answers(fedns.query("alpha.ec2")) != ["10.41.0.9"]:
        time.sleep(0.05)
    assert answers(fedns.query("alpha.ec2")) == ["10.41.0.9"]
    assert "reloading" in fedns.log_text()
    assert fedns.stop(signal.SIGINT) == 0


def test_json_logs(fresh):
    fedns = fresh(instances=[instance("i-1", "alpha", private=["10.42.0.1"])]).start("--log-format", "json")
    fedns.stop()
    lines = [line for line in fedns.log_text().splitlines() if line.startswith("{")]
    assert any('"message":"DNS listening"' in line for line in lines), fedns.log_text()


def test_embedded_demo_answers_out_of_the_box(tmp_path):
    """`fedns serve` with no arguments, as the README promises: the demo on 127.0.0.1:5353."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", 5353))
        except OSError:
            pytest.fail("port 5353 is busy on this machine; the demo needs it (stop mDNS responders)")
    process = subprocess.Popen([FEDNS_BIN, "serve"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        response = None
        while time.monotonic() < deadline and response is None:
            try:
                response = dns.query.udp(dns.message.make_query("appserver-1.ec2", "A"), "127.0.0.1", port=5353, timeout=0.5)
            except Exception:
                assert process.poll() is None, process.stdout.read().decode()
        assert response is not None
        assert answers(response) == ["203.0.113.11"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0


def test_sighup_reloads_the_configuration_or_keeps_it(fresh):
    fedns = fresh(instances=[instance("i-1", "alpha", private=["10.43.0.1"], public="54.43.0.1")]).start()
    first = fedns.query("alpha.ec2")
    assert answers(first) == ["54.43.0.1"] and first.answer[0].ttl == 60
    original = fedns.config_path.read_text()
    fedns.config_path.write_text(original.replace("[dns]\n", '[dns]\nttl = 5\naddress = "private"\n', 1))
    fedns.process.send_signal(signal.SIGHUP)
    fedns.wait_until(lambda: answers(fedns.query("alpha.ec2")) == ["10.43.0.1"], message="new address mode")
    assert fedns.query("alpha.ec2").answer[0].ttl == 5
    # A configuration that no longer validates changes nothing.
    fedns.config_path.write_text(original.replace("[dns]\n", '[dns]\nttl = "soon"\n', 1))
    fedns.process.send_signal(signal.SIGHUP)
    fedns.wait_until(lambda: "configuration not reloaded" in fedns.log_text(), message="bad reload reported")
    assert "dns.ttl: expected an integer" in fedns.log_text()
    assert answers(fedns.query("alpha.ec2")) == ["10.43.0.1"] and fedns.query("alpha.ec2").answer[0].ttl == 5
    # Listen addresses need new sockets: reported, not applied.
    fedns.config_path.write_text(original.replace(f"127.0.0.1:{fedns.port}", "127.0.0.1:1"))
    fedns.process.send_signal(signal.SIGHUP)
    fedns.wait_until(lambda: "only after a restart" in fedns.log_text(), message="restart-only change reported")
    assert "dns.listen" in fedns.log_text()
    assert answers(fedns.query("alpha.ec2")) == ["54.43.0.1"]
    assert fedns.stop() == 0
