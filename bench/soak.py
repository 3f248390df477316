"""The soak: fedns under mixed load for MINUTES, with everything that changes while it runs changing.

- DNS: a steady load over UDP with every 5th query over a kept-open TCP connection, for 50 names whose addresses
  never change (any failed or different answer counts);
- federation: a keep-alive HTTPS client and a new-connection-per-request client, every reply checked;
- refreshes every 5 s from a fake EC2 endpoint whose fleet changes at every call (20 instances come and go), so
  every refresh compiles a new zone and writes the snapshot;
- SIGHUP every 30 s (configuration, certificates, inventory reloaded);
- the certificate re-issued every 2 minutes (a certbot-style renewal, picked up by the file watcher);
- the server's RSS and open files sampled every 5 s.

At the end: failed queries and requests, RSS growth after warm-up (the first fifth of the run, at least 2 minutes
when the run is long enough), and open files at the end against after warm-up. Last line:
soak minutes=M dns_sent=N dns_failed=F http_sent=N http_failed=F reloads=R rotations=C rss_warm_mb=A rss_end_mb=B
rss_growth_pct=G fds_warm=X fds_end=Y"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))

from crashsafety import AWS_ENVIRONMENT, FakeEC2, free_port  # noqa: E402
from dnsload import Load  # noqa: E402
from fedhttps import PKI  # noqa: E402
from httpsabuse import Legit, fd_count, rss_kb  # noqa: E402

FEDNS_BIN = os.environ.get("FEDNS_BIN") or str(ROOT / ".build" / "release" / "fedns")
STABLE = 50


class ChurningEC2(FakeEC2):
    """50 instances that never change, and 20 batch instances that move on by one at every call."""

    def page(self, generation: int) -> str:
        def item(instance_id: int, name: str, address: str) -> str:
            return (f"<item><instanceId>i-{instance_id:017x}</instanceId><instanceType>t3.micro</instanceType>"
                    f"<instanceState><code>16</code><name>running</name></instanceState>"
                    f"<placement><availabilityZone>us-east-1a</availabilityZone></placement>"
                    f"<privateIpAddress>{address}</privateIpAddress><launchTime>2026-11-01T10:00:00.000Z</launchTime>"
                    f"<tagSet><item><key>Name</key><value>{name}</value></item></tagSet></item>")

        items = [item(i, f"web-{i}", f"10.1.0.{i + 1}") for i in range(STABLE)]
        items += [item(100_000 + k, f"batch-{k}", f"10.2.{k // 250 % 250}.{k % 250 + 1}") for k in range(generation, generation + 20)]
        return ("<DescribeInstancesResponse><reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012"
                f"</ownerId><instancesSet>{''.join(items)}</instancesSet></item></reservationSet></DescribeInstancesResponse>")


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    seconds = minutes * 60
    workdir = Path(tempfile.mkdtemp(prefix="fedns-soak-"))
    pki = PKI(workdir / "pki")
    root = pki.root("Soak Root")
    certificate, key, ca = workdir / "pki" / "c.pem", workdir / "pki" / "k.pem", pki.write("ca.pem", root)

    def issue() -> None:
        leaf = pki.issue("localhost", root, ["localhost"])
        pki.write_key("k.pem", leaf)
        pki.write("c.pem", leaf)

    issue()
    ec2 = ChurningEC2(0)
    dns_port, https_port, control_port = free_port(), free_port(), free_port()
    (workdir / "book.csv").write_text(
        "address,account_id,memo_type,memo\nbob*localhost,GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ,id,42\n")
    config = workdir / "fedns.toml"
    config.write_text(
        f'[dns]\nlisten = ["127.0.0.1:{dns_port}"]\n[control]\nlisten = "127.0.0.1:{control_port}"\n'
        f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 5\nrequest_timeout = 5\n'
        f'snapshot = "{workdir / "snapshot.json"}"\nec2_endpoint = "{ec2.endpoint}"\n'
        f'[federation]\nlisten = "127.0.0.1:{https_port}"\ncertificate = "{certificate}"\nprivate_key = "{key}"\n'
        f'ca_file = "{ca}"\ndomains = ["localhost"]\nstore = "sqlite:{workdir / "addresses.db"}"\n')
    imported = subprocess.run([FEDNS_BIN, "federation", "import", str(workdir / "book.csv"), "--config", str(config)],
                              capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    log = open(workdir / "fedns.log", "wb")
    server = subprocess.Popen([FEDNS_BIN, "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, **AWS_ENVIRONMENT})
    expect = {f"web-{i}.ec2.": [f"10.1.0.{i + 1}"] for i in range(STABLE)}
    import dns.message
    import dns.query

    deadline = time.monotonic() + 60
    while True:
        try:
            reply = dns.query.udp(dns.message.make_query("web-1.ec2.", "A"), "127.0.0.1", port=dns_port, timeout=1)
            if reply.answer:
                break
        except Exception:  # noqa: BLE001 (starting)
            pass
        assert time.monotonic() < deadline and server.poll() is None, (workdir / "fedns.log").read_text()[-3000:]
        time.sleep(0.2)

    started = time.monotonic()
    dns_load = Load(dns_port, seconds, expect, rate=300, tcp_every=5)
    path = "/federation?type=name&q=bob*localhost"
    keep = Legit(https_port, ca, path, seconds, 50)
    fresh = Legit(https_port, ca, path, seconds, 5, new_connection=True)
    samples: list[tuple[float, int, int]] = []
    reloads = rotations = 0
    next_reload, next_rotation, next_sample = started + 30, started + 120, started
    while time.monotonic() - started < seconds:
        now = time.monotonic()
        if now >= next_sample:
            samples.append((now - started, rss_kb(server.pid), fd_count(server.pid)))
            next_sample += 5
        if now >= next_reload:
            server.send_signal(signal.SIGHUP)
            reloads += 1
            next_reload += 30
        if now >= next_rotation:
            issue()
            rotations += 1
            next_rotation += 120
        assert server.poll() is None, (workdir / "fedns.log").read_text()[-3000:]
        time.sleep(0.2)
    dns_result, keep_result, fresh_result = dns_load.result(), keep.result(), fresh.result()
    server.send_signal(signal.SIGTERM)
    code = server.wait(30)
    ec2.close()

    warm_up = max(seconds / 5, min(120, seconds / 2))
    warm = [s for s in samples if s[0] >= warm_up]
    head, tail = warm[:6], warm[-6:]
    rss_warm, rss_end = statistics.median(s[1] for s in head), statistics.median(s[1] for s in tail)
    fds_warm, fds_end = max(s[2] for s in head), max(s[2] for s in tail)
    growth = (rss_end - rss_warm) / rss_warm * 100
    log_text = (workdir / "fedns.log").read_text(errors="replace")
    report = {
        "minutes": minutes, "dns": dns_result, "http_keep_alive": keep_result, "http_new_connections": fresh_result,
        "reloads": reloads, "rotations": rotations, "refreshes": log_text.count("refresh complete"),
        "certificate_reloads": log_text.count("certificate") , "exit_code": code,
        "samples": [{"t": round(t), "rss_kb": r, "fds": f} for t, r, f in samples], "workdir": str(workdir),
    }
    (workdir / "soak.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "samples"}, indent=1))
    print(f"soak minutes={minutes:g} dns_sent={dns_result['sent']} dns_failed={dns_result['failed'] + dns_result['wrong']} "
          f"dns_p99_ms={dns_result['p99_ms']} http_sent={keep_result['sent'] + fresh_result['sent']} "
          f"http_failed={keep_result['failed'] + fresh_result['failed']} reloads={reloads} rotations={rotations} "
          f"rss_warm_mb={rss_warm / 1024:.1f} rss_end_mb={rss_end / 1024:.1f} rss_growth_pct={growth:.1f} "
          f"fds_warm={fds_warm} fds_end={fds_end}")


if __name__ == "__main__":
    main()
