#!/usr/bin/env python3
"""fedns against NSD, same zone, same machine, same run.

Both servers get one worker (NSD server-count 1, fedns [dns] threads = 1) pinned to CPU 1; dnsperf runs pinned to
CPU 0. Rounds alternate NSD and fedns so drift in machine speed hits both alike. Reported per transport:
- QPS (dnsperf's "Queries per second", median of the rounds),
- queries per server CPU-second (answered queries / (utime + stime) of every server process),
- p99 latency at a fixed 20k QPS (from dnsperf -v per-query latencies),
- RSS with 10,000 instances loaded.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchproc import LOAD_CPU, SERVER_CPU, PinnedServer  # noqa: E402


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return udp.getsockname()[1]


def names(count: int) -> list[tuple[str, str]]:
    return [(f"host-{index:05d}", f"10.{index // 65536}.{(index // 256) % 256}.{index % 256}") for index in range(1, count + 1)]


def write_fedns_inventory(path: Path, count: int) -> None:
    instances = [
        {"id": f"i-{index:017x}", "name": name, "state": "running", "region": "eu-west-1", "az": "eu-west-1a",
         "type": "t3.micro", "private_ipv4": [address], "ipv6": [], "tags": {"Name": name},
         "launched": "2026-11-01T10:00:00Z"}
        for index, (name, address) in enumerate(names(count), start=1)
    ]
    path.write_text(json.dumps({"format": 1, "instances": instances}))


def write_nsd_zone(path: Path, count: int) -> None:
    lines = ["$ORIGIN ec2.", "$TTL 60", "@ SOA ns.ec2. hostmaster.ec2. 1 3600 600 86400 30", "@ NS ns.ec2.", "ns A 127.0.0.1"]
    lines += [f"{name} A {address}" for name, address in names(count)]
    path.write_text("\n".join(lines) + "\n")


def dig_ok(port: int) -> bool:
    result = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "host-00001.ec2", "+short", "+time=1", "+tries=1"],
                            capture_output=True, text=True)
    return result.stdout.strip() == "10.0.0.1"


def start_nsd(workdir: Path, count: int) -> PinnedServer:
    port = free_port()
    zone = workdir / f"nsd-{count}.zone"
    write_nsd_zone(zone, count)
    config = workdir / f"nsd-{count}.conf"
    config.write_text(f"""server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{workdir}"
    pidfile: "{workdir}/nsd-{count}.pid"
    database: ""
    zonelistfile: "{workdir}/zone.list"
    xfrdfile: "{workdir}/xfrd.state"
    xfrdir: "{workdir}"
    rrl-ratelimit: 0
    minimal-responses: yes
    hide-version: yes
    verbosity: 0
    tcp-count: 256
remote-control:
    control-enable: no
zone:
    name: ec2
    zonefile: "{zone}"
""")
    server = PinnedServer("nsd", ["nsd", "-d", "-c", str(config)], port, workdir, ready=lambda: dig_ok(port))
    server.start()
    return server


def start_fedns(binary: str, workdir: Path, count: int) -> PinnedServer:
    port = free_port()
    inventory = workdir / f"inventory-{count}.json"
    write_fedns_inventory(inventory, count)
    config = workdir / f"fedns-{count}.toml"
    config.write_text(f"""[dns]
listen = ["127.0.0.1:{port}"]
threads = 1
tcp_max_connections = 4096
[discovery]
source = "file"
file = "{inventory}"
""")
    server = PinnedServer("fedns", [binary, "serve", "--config", str(config), "--log-level", "warning"], port, workdir,
                          ready=lambda: dig_ok(port))
    server.start()
    return server


def dnsperf(server: PinnedServer, queries: Path, mode: str, duration: int, rate: int | None = None, verbose: bool = False) -> dict:
    command = ["taskset", "-c", LOAD_CPU, "dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", str(queries),
               "-l", str(duration), "-m", mode, "-c", "20", "-q", "500", "-T", "1", "-t", "2"]
    if rate:
        command += ["-Q", str(rate)]
    if verbose:
        command += ["-v"]
    cpu_before = server.cpu_seconds()
    result = subprocess.run(command, capture_output=True, text=True)
    cpu = server.cpu_seconds() - cpu_before
    output = result.stdout + result.stderr
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", output).group(1))
    completed = int(re.search(r"Queries completed:\s+(\d+)", output).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", output).group(1))
    summary = {"qps": qps, "completed": completed, "lost": lost, "cpu": cpu, "per_cpu_second": completed / cpu if cpu else 0}
    if verbose:
        # "> NOERROR host-00001.ec2 A 0.000123"; timed-out queries ("> T ...") carry no latency.
        latencies = sorted(float(line.split()[-1]) for line in output.splitlines()
                           if line.startswith("> ") and re.fullmatch(r"[\d.]+", line.split()[-1]))
        summary["p99_ms"] = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
        summary["p50_ms"] = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--names", type=int, default=1000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fedns-bench-dns-"))
    queries = workdir / "queries.txt"
    queries.write_text("".join(f"{name}.ec2 A\n" for name, _ in names(args.names)))
    print(f"workdir {workdir}; {args.names} names; {args.rounds} rounds of {args.duration} s per server and transport; "
          f"servers on CPU {SERVER_CPU}, dnsperf on CPU {LOAD_CPU}", flush=True)

    nsd = start_nsd(workdir, args.names)
    fedns = start_fedns(args.fedns, workdir, args.names)
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        for mode in ("udp", "tcp"):
            for round_number in range(args.rounds):
                for server in (nsd, fedns) if round_number % 2 == 0 else (fedns, nsd):
                    summary = dnsperf(server, queries, mode, args.duration)
                    results.setdefault((server.label, mode), []).append(summary)
                    print(f"  {mode} round {round_number + 1} {server.label:5}: {summary['qps']:>9.0f} qps, "
                          f"{summary['per_cpu_second']:>9.0f} q/CPU-s, lost {summary['lost']}", flush=True)
        latency = {server.label: dnsperf(server, queries, "udp", args.duration, rate=20000, verbose=True) for server in (nsd, fedns)}
    finally:
        nsd.stop()
        fedns.stop()

    def median(label: str, mode: str, key: str) -> float:
        return statistics.median(result[key] for result in results[(label, mode)])

    print("\n| transport | metric | NSD 4.6 | fedns | fedns/NSD |")
    print("|---|---|---|---|---|")
    for mode in ("udp", "tcp"):
        for key, title in (("qps", "queries/s"), ("per_cpu_second", "queries per server CPU-second")):
            reference, ours = median("nsd", mode, key), median("fedns", mode, key)
            print(f"| {mode.upper()} | {title} | {reference:,.0f} | {ours:,.0f} | {ours / reference:.2f} |")
    print(f"| UDP | p99 latency at 20k QPS (ms) | {latency['nsd']['p99_ms']:.3f} | {latency['fedns']['p99_ms']:.3f} | "
          f"{latency['fedns']['p99_ms'] / latency['nsd']['p99_ms']:.2f} |")
    print(f"| UDP | p50 latency at 20k QPS (ms) | {latency['nsd']['p50_ms']:.3f} | {latency['fedns']['p50_ms']:.3f} | "
          f"{latency['fedns']['p50_ms'] / latency['nsd']['p50_ms']:.2f} |")

    # Memory with 10,000 instances loaded.
    big_nsd = start_nsd(workdir, 10_000)
    big_fedns = start_fedns(args.fedns, workdir, 10_000)
    try:
        time.sleep(2)
        nsd_rss, nsd_peak = big_nsd.rss_mb()
        fedns_rss, fedns_peak = big_fedns.rss_mb()
    finally:
        big_nsd.stop()
        big_fedns.stop()
    print(f"| - | RSS with 10,000 instances (MB), peak in () | {nsd_rss:.1f} ({nsd_peak:.1f}) | {fedns_rss:.1f} ({fedns_peak:.1f}) | "
          f"{fedns_rss / nsd_rss:.2f} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
