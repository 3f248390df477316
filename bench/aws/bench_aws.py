#!/usr/bin/env python3
"""Discovery refresh of 10,000 instances over 4 regions against moto.

Reports the refresh's wall time (mostly moto rendering XML), the CPU fedns spends on it per 1,000 instances
(HTTP receive, XML parse, mapping, snapshot and zone build, snapshot write: an upper bound of "parse + build"),
and DNS latency at a fixed query rate while idle and while refreshes run (p99 ratio, target <= 2).
fedns runs pinned to CPU 1; moto and dnsperf share CPU 0, so moto's rendering does not steal fedns's core.

fedns reaches moto through a recording proxy (Tests/e2e/faultproxy.py). For the latency comparison the proxy
replays the recorded answers, byte for byte, and refreshes run back to back: fedns does all of a refresh's work
(HTTP, XML parsing, snapshot build) many times within the measured window, while moto, whose rendering takes
most of a live refresh's wall time, stays idle and does not take CPU 0 from dnsperf (which would show up as client
latency that fedns did not cause).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "fixtures" / "moto"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
import motolib  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def seed(endpoint: str, per_region: int) -> None:
    """Reservations of 100 instances each (one run_instances call per reservation), a Name on every instance."""
    def fill(region: str) -> None:
        ec2 = motolib.client(endpoint, "ec2", region)
        ami = motolib.linux_ami(ec2)
        for batch in range(per_region // 100):
            ec2.run_instances(
                ImageId=ami, MinCount=100, MaxCount=100, InstanceType="t3.micro",
                TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"{region}-b{batch}"}]}])
    with ThreadPoolExecutor(len(REGIONS)) as pool:
        list(pool.map(fill, REGIONS))


def dnsperf_p99(port: int, queries: Path, seconds: int, rate: int) -> tuple[float, float, int]:
    # dnsperf shares CPU 0 with moto and the proxy; as root it runs ahead of them, so their work does not show up as
    # latency that fedns did not cause.
    boost = ["nice", "-n", "-10"] if os.geteuid() == 0 else []
    output = subprocess.run(
        [*boost, "taskset", "-c", "0", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-l", str(seconds),
         "-Q", str(rate), "-t", "2", "-v"], capture_output=True, text=True).stdout
    latencies = sorted(float(line.split()[-1]) for line in output.splitlines()
                       if line.startswith("> ") and re.fullmatch(r"[\d.]+", line.split()[-1]))
    lost = int(re.search(r"Queries lost:\s+(\d+)", output).group(1))
    return latencies[int(len(latencies) * 0.99) - 1] * 1000, statistics.median(latencies) * 1000, lost


def refresh_count(log: Path) -> int:
    return log.read_text().count("refresh complete")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=10_000, help="DNS queries per second during the latency runs")
    args = parser.parse_args()
    # This process (the proxy's threads included) stays on CPU 0 with moto and dnsperf, off fedns's core.
    os.sched_setaffinity(0, {0})
    per_region = args.instances // len(REGIONS)

    work = Path(tempfile.mkdtemp(prefix="fedns-bench-aws-"))
    moto, endpoint = motolib.start(work / "moto.log")
    subprocess.run(["taskset", "-pc", "0", str(moto.pid)], capture_output=True)
    proxy = FaultProxy(endpoint)
    proxy.mode = "record"
    try:
        started = time.monotonic()
        seed(endpoint, per_region)
        print(f"seeded {per_region * len(REGIONS)} instances in {len(REGIONS)} regions in {time.monotonic() - started:.0f} s", flush=True)

        port = motolib.free_port()
        config = work / "fedns.toml"
        config.write_text(
            f'[dns]\nlisten = ["127.0.0.1:{port}"]\nthreads = 1\n[control]\nlisten = "127.0.0.1:{motolib.free_port()}"\n'
            f'[discovery]\nsource = "aws"\nregions = {REGIONS!r}\nrefresh_interval = 86400\nrequest_timeout = 120\n'
            f'snapshot = "{work}/snapshot.json"\nec2_endpoint = "{proxy.endpoint}"\n'.replace("'", '"'))
        log = work / "fedns.log"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true"}
        fedns = subprocess.Popen(["taskset", "-c", "1", args.fedns, "serve", "--config", str(config)],
                                 stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env)
        try:
            # First refresh (not measured: includes starting the HTTP client and credentials).
            while refresh_count(log) < 1:
                assert fedns.poll() is None, log.read_text()
                time.sleep(0.2)
            queries = work / "queries.txt"
            queries.write_text("".join(f"{region}-b{batch}.ec2 A\n" for region in REGIONS for batch in range(per_region // 100)))

            def measured_refresh() -> tuple[float, float]:
                """SIGHUP starts a refresh; returns (wall seconds, fedns CPU seconds) around it."""
                before_cpu, before_count = cpu_seconds(fedns.pid), refresh_count(log)
                fedns.send_signal(signal.SIGHUP)
                while refresh_count(log) == before_count:
                    time.sleep(0.05)
                return int(re.findall(r"ms=(\d+)", log.read_text())[-1]) / 1000, cpu_seconds(fedns.pid) - before_cpu

            # Steady state: the fleet is unchanged, so the work is fetching, parsing and building the snapshot
            # (the zone and the snapshot file are only rebuilt when something changed).
            steady = [measured_refresh() for _ in range(3)]
            walls = [wall for wall, _ in steady]
            cpus = [cpu for _, cpu in steady]
            # A changed fleet: 100 more instances, so the zone is compiled and the snapshot file written too.
            ec2 = motolib.client(endpoint, "ec2", REGIONS[0])
            ec2.run_instances(ImageId=motolib.linux_ami(ec2), MinCount=100, MaxCount=100, InstanceType="t3.micro",
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "late"}]}])
            changed_wall, changed_cpu = measured_refresh()

            # DNS latency while refreshes run back to back, from the recording (see the module's notes), against
            # idle windows in the same conditions, alternated (idle, busy, idle, busy, idle) so that a slow moment
            # of the machine does not land on one side only.
            proxy.mode = "replay"
            replayed_wall, replayed_cpu = measured_refresh()
            window = 10
            refreshes = 0

            def busy_window() -> tuple[float, float, int]:
                nonlocal refreshes
                stop = time.monotonic() + window

                def refresh_continuously() -> None:
                    nonlocal refreshes
                    while time.monotonic() < stop:
                        measured_refresh()
                        refreshes += 1

                with ThreadPoolExecutor(1) as pool:
                    pending = pool.submit(refresh_continuously)
                    result = dnsperf_p99(port, queries, window, args.rate)
                    pending.result()
                return result

            idle_runs, busy_runs = [dnsperf_p99(port, queries, window, args.rate)], []
            for _ in range(2):
                busy_runs.append(busy_window())
                idle_runs.append(dnsperf_p99(port, queries, window, args.rate))
        finally:
            fedns.send_signal(signal.SIGTERM)
            fedns.wait(60)
    finally:
        proxy.close()
        moto.terminate()
        moto.wait(30)

    instances = per_region * len(REGIONS)
    cpu = statistics.median(cpus)
    print(f"\n| metric | value |\n|---|---|")
    print(f"| instances / regions | {instances} / {len(REGIONS)} |")
    print(f"| refresh wall time (median of 3, mostly moto rendering) | {statistics.median(walls):.1f} s |")
    print(f"| fedns CPU per refresh, unchanged fleet (median of 3): fetch, parse, snapshot build | {cpu * 1000:.0f} ms |")
    print(f"| fedns CPU per 1,000 instances, unchanged fleet | {cpu * 1000 / (instances / 1000):.1f} ms (target < 50) |")
    print(f"| fedns CPU per 1,000 instances, changed fleet (+ zone compile and snapshot file) | "
          f"{changed_cpu * 1000 / ((instances + 100) / 1000):.1f} ms (wall {changed_wall:.1f} s) |")
    print(f"| a refresh replayed without moto: wall, fedns CPU | {replayed_wall:.2f} s, {replayed_cpu * 1000:.0f} ms |")

    def latency(runs: list[tuple[float, float, int]]) -> str:
        p99s = " / ".join(f"{p99:.3f}" for p99, _, _ in runs)
        return (f"p50 {statistics.median(p50 for _, p50, _ in runs):.3f} ms, p99 {p99s} ms "
                f"(lost {sum(lost for _, _, lost in runs)})")

    idle_p99 = statistics.median(p99 for p99, _, _ in idle_runs)
    busy_p99 = statistics.median(p99 for p99, _, _ in busy_runs)
    print(f"| DNS at {args.rate} qps, idle ({len(idle_runs)} windows of {window} s) | {latency(idle_runs)} |")
    print(f"| DNS at {args.rate} qps, refreshes back to back ({refreshes} in {len(busy_runs)} windows of {window} s) | "
          f"{latency(busy_runs)} |")
    print(f"| p99 during refreshes / idle (medians of the windows) | {busy_p99 / idle_p99:.2f} (target <= 2) |")


if __name__ == "__main__":
    main()
