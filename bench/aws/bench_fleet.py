#!/usr/bin/env python3
"""Fleet benchmark: 100 accounts x 30 regions from one fedns, within one refresh_interval of 60 s.

moto keeps each account apart by access key, so `role_arn` profiles assuming a role into 100 account ids give 100
accounts (Tests/fixtures/moto/motolib.py, `write_fleet_profiles`). Instances are spread over the regions: account
i gets `--instances-per-account` instances, two per region, in regions i, i+3, i+6, ... so that every region has
some and most scopes are empty, as in real fleets. Every profile x region is a scope: 3,000 DescribeInstances per
refresh.

fedns (pinned to CPU 1) reaches EC2 and STS through the fault proxy (Tests/e2e/faultproxy.py; on CPU 0 with moto):
1. live: the first refresh against moto, recorded; moto renders every answer on one Python core, so this wall time
   is moto's, not fedns's;
2. replayed, for each `--concurrency`: the recorded answers, each delayed by `--latency` seconds (a real endpoint's
   round trip; moto's own rendering time is not a model of AWS's), with EC2's documented request bucket enforced
   per access key, region and action (100 tokens, 20/s): a refresh that caused throttling by itself would show
   `throttled` > 0. Each fedns is started with that `max_concurrency`; the first refresh (AssumeRole into 100
   accounts) is not measured, the next `--rounds` (started by SIGHUP) are.

Reported per refresh: calls (at the proxy), wall time (fedns's own `refresh complete ms=`), fedns CPU (user + system
from /proc), throttling answers, and the most requests one account + region + action got in any second. The last
line is key=value, for the smallest concurrency that refreshes within half the interval (else the fastest).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "fixtures" / "moto"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
import motolib  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402

from bench_aws import cpu_seconds  # noqa: E402  (this script's folder is on the path)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def seed(endpoint: str, accounts: list[str], regions: list[str], per_account: int) -> int:
    ami = motolib.linux_ami(motolib.client(endpoint, "ec2"))

    def fill(numbered: tuple[int, str]) -> int:
        index, account = numbered
        keys = motolib.account_keys(endpoint, account)
        made = 0
        for batch in range(per_account // 2):
            region = regions[(index + 3 * batch) % len(regions)]
            ec2 = motolib.account_client(endpoint, "ec2", account, region, keys)
            ec2.run_instances(
                ImageId=ami, MinCount=2, MaxCount=2, InstanceType="t3.micro",
                TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"a{index}-{batch}"}]}])
            made += 2
        return made

    with ThreadPoolExecutor(4) as pool:
        return sum(pool.map(fill, enumerate(accounts)))


def refresh_lines(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if "refresh complete" in line]


class Fedns:
    """One `fedns serve` over the fleet, pinned to CPU 1."""

    def __init__(self, binary: str, work: Path, proxy: FaultProxy, profiles: list[str], environment: dict[str, str],
                 regions: list[str], concurrency: int, interval: int):
        self.log = work / f"fedns-{concurrency}.log"
        config = work / f"fedns-{concurrency}.toml"
        quoted = lambda values: "[" + ", ".join(f'"{value}"' for value in values) + "]"  # noqa: E731
        config.write_text(
            f'[dns]\nlisten = ["127.0.0.1:{motolib.free_port()}"]\nthreads = 1\n'
            f'[control]\nlisten = "127.0.0.1:{motolib.free_port()}"\n'
            f'[discovery]\nsource = "aws"\nregions = {quoted(regions)}\nprofiles = {quoted(profiles)}\n'
            f'refresh_interval = {interval}\nmax_concurrency = {concurrency}\nrequest_timeout = 120\nhost_keys = false\n'
            f'snapshot = ""\nec2_endpoint = "{proxy.endpoint}"\nsts_endpoint = "{proxy.endpoint}"\n')
        self.process = subprocess.Popen(
            ["taskset", "-c", "1", binary, "serve", "--config", str(config)],
            stdout=open(self.log, "wb"), stderr=subprocess.STDOUT, env={**os.environ, **environment})

    def wait_refreshes(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(refresh_lines(self.log)) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"fedns: no refresh {count} within {timeout} s\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)

    def last_refresh(self) -> dict[str, int]:
        return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", refresh_lines(self.log)[-1])}

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


def busiest_second(timeline: list[tuple[float, str, str, str]]) -> int:
    """The most requests one access key + region + action got within any one second."""
    by_key: dict[tuple[str, str, str], list[float]] = {}
    for when, action, region, key in timeline:
        by_key.setdefault((key, region, action), []).append(when)
    busiest = 0
    for times in by_key.values():
        times.sort()
        start = 0
        for end, when in enumerate(times):
            while when - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
    return busiest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--regions", type=int, default=30)
    parser.add_argument("--instances-per-account", type=int, default=20)
    parser.add_argument("--concurrency", default="8,16,32,64", help="max_concurrency values to measure")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each replayed answer waits")
    parser.add_argument("--interval", type=int, default=60, help="refresh_interval, seconds")
    parser.add_argument("--rounds", type=int, default=2, help="measured refreshes per concurrency")
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})  # this process (the proxy's threads included) and moto stay off fedns's core

    work = Path(tempfile.mkdtemp(prefix="fedns-bench-fleet-"))
    moto, endpoint = motolib.start(work / "moto.log")
    subprocess.run(["taskset", "-pc", "0", str(moto.pid)], capture_output=True)
    proxy = FaultProxy(endpoint)
    results = []
    try:
        every = [region["RegionName"] for region in motolib.client(endpoint, "ec2").describe_regions()["Regions"]]
        regions = sorted(name for name in every if not name.startswith(("us-gov-", "cn-")))[: args.regions]
        accounts = motolib.fleet_accounts(args.accounts)
        started = time.monotonic()
        instances = seed(endpoint, accounts, regions, args.instances_per_account)
        print(f"seeded {instances} instances in {len(accounts)} accounts x {len(regions)} regions "
              f"in {time.monotonic() - started:.0f} s", flush=True)
        profiles, environment = motolib.write_fleet_profiles(work / "aws", accounts)
        scopes = len(accounts) * len(regions)
        concurrencies = [int(value) for value in args.concurrency.split(",")]

        # 1. Live against moto, recording every answer.
        proxy.mode = "record"
        fedns = Fedns(args.fedns, work, proxy, profiles, environment, regions, max(concurrencies), args.interval)
        try:
            fedns.wait_refreshes(1, timeout=1800)
            live = fedns.last_refresh()
        finally:
            fedns.stop()
        live_calls = Counter(action for _, action, _, _ in proxy.timeline)
        print(f"live refresh against moto: {live['ms'] / 1000:.1f} s, {live['scopes_ok']} scopes ok, "
              f"{live['scopes_failed']} failed, {live['instances']} instances, calls {dict(live_calls)}", flush=True)
        assert live["scopes_ok"] == scopes and live["instances"] == instances, live

        # 2. Replayed with a network's latency and EC2's bucket enforced, per max_concurrency.
        proxy.mode = "replay"
        proxy.latency = args.latency
        proxy.ec2_bucket = (100, 20)
        for concurrency in concurrencies:
            fedns = Fedns(args.fedns, work, proxy, profiles, environment, regions, concurrency, args.interval)
            try:
                fedns.wait_refreshes(1, timeout=600)
                walls, cpus, calls, throttled, busiest, failed = [], [], [], [], [], []
                for round_number in range(args.rounds):
                    mark, throttled_before, cpu_before = len(proxy.timeline), proxy.throttled, cpu_seconds(fedns.process.pid)
                    fedns.process.send_signal(signal.SIGHUP)
                    fedns.wait_refreshes(round_number + 2, timeout=600)
                    cpus.append(cpu_seconds(fedns.process.pid) - cpu_before)
                    line = fedns.last_refresh()
                    walls.append(line["ms"] / 1000)
                    failed.append(line["scopes_failed"])
                    window = proxy.timeline[mark:]
                    calls.append(sum(1 for _, action, _, _ in window if action == "DescribeInstances"))
                    throttled.append(proxy.throttled - throttled_before)
                    busiest.append(busiest_second(window))
            finally:
                fedns.stop()
            result = {
                "concurrency": concurrency, "wall": statistics.median(walls), "cpu": statistics.median(cpus),
                "calls": max(calls), "throttled": sum(throttled), "busiest": max(busiest), "failed": sum(failed),
            }
            results.append(result)
            print(f"max_concurrency={concurrency}: wall {result['wall']:.1f} s, fedns CPU {result['cpu']:.2f} s, "
                  f"{result['calls']} calls, throttled {result['throttled']}, failed scopes {result['failed']}", flush=True)
    finally:
        proxy.close()
        moto.terminate()
        try:
            moto.wait(30)
        except subprocess.TimeoutExpired:  # a moto holding thousands of instances can take longer to stop
            moto.kill()
            moto.wait()

    print(f"\nCPU: {cpu_model()} ({os.cpu_count()} cores); fedns on CPU 1, moto and the proxy on CPU 0")
    print(f"{len(accounts)} accounts x {len(regions)} regions = {scopes} scopes, {instances} instances; "
          f"replayed answers wait {args.latency * 1000:.0f} ms; EC2's bucket (100, 20/s) enforced at the proxy\n")
    print("| max_concurrency | calls per refresh | wall time | fedns CPU per refresh | throttled | busiest account+region+action second |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(f"| {result['concurrency']} | {result['calls']} | {result['wall']:.1f} s | {result['cpu']:.2f} s | "
              f"{result['throttled']} | {result['busiest']} requests |")
    print(f"| live against moto (recording), {max(concurrencies)} | {live_calls['DescribeInstances']} | "
          f"{live['ms'] / 1000:.1f} s (moto rendering) | | | |")
    fitting = [result for result in results if result["wall"] <= args.interval / 2 and result["failed"] == 0]
    chosen = min(fitting, key=lambda result: result["concurrency"]) if fitting else min(results, key=lambda r: r["wall"])
    print(f"\naccounts={len(accounts)} regions={len(regions)} scopes={scopes} instances={instances} "
          f"max_concurrency={chosen['concurrency']} calls_per_refresh={chosen['calls']} refresh_wall_s={chosen['wall']:.1f} "
          f"fedns_cpu_s_per_refresh={chosen['cpu']:.2f} interval_s={args.interval} "
          f"within_interval={'yes' if chosen['wall'] <= args.interval and chosen['failed'] == 0 else 'no'} "
          f"throttled={chosen['throttled']} live_wall_s={live['ms'] / 1000:.1f}")


if __name__ == "__main__":
    main()
