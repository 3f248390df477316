#!/usr/bin/env python3
"""What ec2ssh adds before ssh starts: ec2ssh with `[companion] ssh = "/bin/true"` against running /bin/true
directly, in one run, interleaved, so that process start-up and the machine's mood hit both alike.

Two sources of the inventory, the two fast paths of the issue:
- warm cache: no fedns running (nothing listens on the control address), a persisted snapshot younger than the
  refresh interval;
- running fedns: `fedns serve` on loopback answering the control endpoint, no snapshot at all.
The fleet has --instances instances (default 1,000). Reported: median and p95 of each command's wall time, and the
added milliseconds (ec2ssh minus /bin/true) at the median and at p95. Target: under 30 ms added.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_MS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fleet(count: int) -> dict:
    instances = [
        {"id": f"i-{index:017x}", "name": f"host-{index:05d}", "state": "running", "region": "eu-west-1",
         "az": "eu-west-1a", "type": "t3.micro", "private_ipv4": [f"10.{index // 65536}.{(index // 256) % 256}.{index % 256}"],
         "ipv6": [], "tags": {"Name": f"host-{index:05d}"}, "launched": "2026-11-01T10:00:00Z"}
        for index in range(1, count + 1)
    ]
    return {"format": 1, "generated": "2026-11-20T10:00:00Z", "instances": instances}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if result.returncode != 0:
        raise SystemExit(f"{argv} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return elapsed


def measure(label: str, companion: list[str], env: dict, runs: int) -> dict:
    direct = ["/bin/true"]
    for _ in range(5):  # warm the page cache for both binaries
        timed(companion, env)
        timed(direct, env)
    companion_ms, direct_ms = [], []
    for _ in range(runs):
        companion_ms.append(timed(companion, env))
        direct_ms.append(timed(direct, env))
    row = {
        "scenario": label,
        "ec2ssh_median_ms": statistics.median(companion_ms), "ec2ssh_p95_ms": percentile(companion_ms, 0.95),
        "direct_median_ms": statistics.median(direct_ms), "direct_p95_ms": percentile(direct_ms, 0.95),
    }
    row["added_median_ms"] = row["ec2ssh_median_ms"] - row["direct_median_ms"]
    row["added_p95_ms"] = row["ec2ssh_p95_ms"] - row["direct_p95_ms"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the folder with ec2ssh and fedns (a release build)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--instances", type=int, default=1000)
    arguments = parser.parse_args()
    binaries = Path(arguments.bin)

    with tempfile.TemporaryDirectory(prefix="bench-companion-") as scratch:
        root = Path(scratch)
        inventory = root / "inventory.json"
        inventory.write_text(json.dumps(fleet(arguments.instances)))
        target = f"host-{arguments.instances // 2:05d}"
        companion = [str(binaries / "ec2ssh"), target, "uptime"]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root), "LANG": "C.UTF-8",
                       "AWS_EC2_METADATA_DISABLED": "true"}

        # Warm cache: the snapshot is the inventory, younger than a day; nothing listens on the control address.
        warm = root / "warm.toml"
        warm.write_text(
            f'[control]\nlisten = "127.0.0.1:{free_port()}"\n'
            f'[discovery]\nsource = "aws"\nregions = ["eu-west-1"]\nrefresh_interval = 86400\nsnapshot = "{inventory}"\n'
            '[companion]\nssh = "/bin/true"\n')
        rows = [measure("warm cache (snapshot)", companion, {**environment, "FEDNS_CONFIG": str(warm)}, arguments.runs)]

        # A running fedns answers the control endpoint; there is no snapshot to fall back on.
        control_port = free_port()
        served = root / "serve.toml"
        served.write_text(
            f'[dns]\nlisten = ["127.0.0.1:{free_port()}"]\n[control]\nlisten = "127.0.0.1:{control_port}"\n'
            f'[discovery]\nsource = "file"\nfile = "{inventory}"\n')
        log = open(root / "fedns.log", "wb")
        server = subprocess.Popen([str(binaries / "fedns"), "serve", "--config", str(served)], stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    body = urllib.request.urlopen(f"http://127.0.0.1:{control_port}/v1/instances", timeout=1).read()
                    if json.loads(body)["loaded"]:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"fedns did not serve the inventory: {(root / 'fedns.log').read_text()}")
                time.sleep(0.1)
            client = root / "client.toml"
            client.write_text(
                f'[control]\nlisten = "127.0.0.1:{control_port}"\n'
                '[discovery]\nsource = "aws"\nregions = ["eu-west-1"]\nsnapshot = ""\n[companion]\nssh = "/bin/true"\n')
            rows.append(measure("running fedns", companion, {**environment, "FEDNS_CONFIG": str(client)}, arguments.runs))
        finally:
            server.terminate()
            server.wait(10)
            log.close()

    print(f"ec2ssh {target} uptime (ssh replaced by /bin/true) vs /bin/true; {arguments.instances} instances, "
          f"{arguments.runs} interleaved runs each")
    print(f"{'scenario':24} {'ec2ssh med':>11} {'p95':>8} {'direct med':>11} {'p95':>8} {'added med':>10} {'added p95':>10}")
    for row in rows:
        print(f"{row['scenario']:24} {row['ec2ssh_median_ms']:10.1f}ms {row['ec2ssh_p95_ms']:6.1f}ms "
              f"{row['direct_median_ms']:10.1f}ms {row['direct_p95_ms']:6.1f}ms {row['added_median_ms']:8.1f}ms "
              f"{row['added_p95_ms']:8.1f}ms")
    worst = max(row["added_median_ms"] for row in rows)
    print(f"target: under {TARGET_MS:.0f} ms added at the median: {'met' if worst < TARGET_MS else 'NOT met'} "
          f"(worst {worst:.1f} ms)")
    json.dump(rows, sys.stderr)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
