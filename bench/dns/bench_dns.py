#!/usr/bin/env python3
"""fedns against NSD, Knot and gdnsd: same zone, same query mix, same machine, same run.

Every server gets one worker (NSD `server-count: 1`, Knot one UDP and one TCP worker, gdnsd one UDP and one TCP
thread, fedns `[dns] threads = 1`) pinned to CPU 1; the load generator (bench/dns/dnsload.c, built by run.sh) runs
on CPU 0. Rounds alternate the order of the servers so drift in machine speed hits all alike. Reported, as medians
of the rounds:

- UDP queries/s at saturation: closed loop, a fixed number of queries outstanding, so the server never waits;
- UDP queries per server CPU-second: answers / on-CPU time of every thread of the server's processes, read from
  /proc/PID/task/*/schedstat over exactly the counted part of the run (robust when the server is not saturated);
- TCP pipelined queries/s: a few connections, many queries outstanding on each;
- TCP one query per connection, queries/s: connect, one query, answer, close (reported separately: it measures
  accept and connection set-up, not answering);
- p50/p99 latency at a fixed 20,000 queries/s over UDP, each query sent at its own time;
- RSS (and PSS, which counts pages shared by NSD's processes once) with the zone loaded, after the load.

The query mix (zonedata.MIX): A by name (40 %), by NAME.REGION (5 %) and by instance id (5 %), AAAA (5 %), AAAA
NODATA (10 %), NXDOMAIN (15 %), PTR (10 %), TXT (10 %); half of each class with EDNS (OPT, 1,232 bytes), half
without. Every answer's rcode is checked against the zone; a server answering wrongly stops the run.

The generator's own cost is measured too: `busy` is the fraction of the round it was on its CPU or waiting for it.
A saturation round in which the generator was busy >= 90 % while the server was not is client-limited: its figure
says how fast the generator went, not the server. Any such round, floors included (a floor the generator cannot
out-run says nothing either), makes the last line say `client_limited=yes`.

With --floors, the UDP rounds also measure the floor responders of bench/dns/floors (one fixed A record for every
query, no fedns code): SwiftNIO with fedns's socket options, and a plain recvmmsg/sendmmsg loop at several batch
sizes. They show what the I/O path alone costs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import dnsservers  # noqa: E402
import zonedata  # noqa: E402
from benchproc import LOAD_CPU, SERVER_CPU, PinnedServer  # noqa: E402

REFERENCES = ["nsd", "knot", "gdnsd"]
TITLES = {"nsd": "NSD", "knot": "Knot", "gdnsd": "gdnsd", "fedns": "fedns"}
BUSY_LIMIT = 0.90


def versions() -> dict[str, str]:
    """Each reference server's name and version, as its own binary prints it."""
    def version(command: list[str]) -> str:
        result = subprocess.run(command, capture_output=True, text=True)
        found = re.search(r"version (\S+)", result.stdout + result.stderr)
        return found.group(1).rstrip(",") if found else "?"
    return {"nsd": f"NSD {version(['nsd', '-v'])}", "knot": f"Knot {version(['knotd', '--version'])}",
            "gdnsd": f"gdnsd {version(['gdnsd', '-h'])}"}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


class Generator:
    """bench/dns/dnsload, on the load CPU."""

    def __init__(self, binary: str, queries: Path, args: argparse.Namespace):
        self.binary, self.queries, self.args = binary, queries, args

    def run(self, server: PinnedServer, mode: str, *, rate: int | None = None, check: bool = True) -> dict:
        args = self.args
        command = ["taskset", "-c", LOAD_CPU, self.binary, mode, "-p", str(server.port), "-f", str(self.queries),
                   "-d", str(args.duration), "-t", str(args.timeout_ms), "-P", ",".join(map(str, server.pids()))]
        if mode == "udp":
            # Paced, the window only bounds what a stalled server can owe: make it large enough never to hold a
            # query back (which would lower the rate rather than show the latency).
            window = 1000 if rate else args.udp_window
            command += ["-c", str(args.udp_sockets), "-w", str(window), "-b", str(args.udp_batch)]
        elif mode == "tcp":
            command += ["-c", str(args.tcp_connections), "-w", str(args.tcp_window)]
        else:
            command += ["-c", str(args.tcp1_connections)]
        if rate:
            command += ["-Q", str(rate)]
        if not check:
            command += ["-n"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 120)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"dnsload did not finish a {args.duration:g} s {mode} round against {server.label}")
        if result.returncode != 0 or not result.stdout.startswith("mode="):
            raise SystemExit(f"dnsload failed against {server.label}: {result.stdout}{result.stderr}")
        fields = dict(item.split("=", 1) for item in result.stdout.split())
        summary = {key: float(value) for key, value in fields.items() if key != "mode"}
        cpu = summary["server_cpu_s"]
        summary["per_cpu_second"] = summary["received"] / cpu if cpu > 0 else float("nan")
        summary["server_cpu"] = cpu / summary["elapsed"]
        summary["client_limited"] = summary["busy"] >= BUSY_LIMIT and summary["server_busy"] < BUSY_LIMIT
        if check and summary["wrong"] > 0:
            raise SystemExit(f"{server.label} gave {summary['wrong']:.0f} wrong answers in a {mode} round "
                             f"(rcode other than the zone's, or not a response): the comparison would be meaningless")
        return summary


def check_answers(servers: list[PinnedServer], queries: list[zonedata.Query]) -> None:
    """Asks every server one query of each class, with and without EDNS, over UDP: the rcode must be the zone's;
    differing answer counts or sizes are shown (they change what each server writes per query)."""
    samples = {}
    for query in queries:
        samples.setdefault((query.kind, query.edns), query)
    print("\nanswer sizes in bytes, one query per class (answers/authorities in brackets):")
    print("| query | EDNS | " + " | ".join(server.label for server in servers) + " |")
    print("|---|---|" + "---|" * len(servers))
    for (kind, edns), query in sorted(samples.items()):
        cells = []
        for server in servers:
            result = dnsservers.summary(dnsservers.ask(server.port, query))
            if result is None or result[0] != query.rcode:
                raise SystemExit(f"{server.label} answers {query.name} {query.qtype} with {result}, "
                                 f"expected rcode {query.rcode}")
            cells.append(f"{result[3]} ({result[1]}/{result[2]})")
        print(f"| {kind} | {'on' if edns else 'off'} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--dnsload", required=True, help="the load generator (run.sh builds it)")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--names", type=int, default=10_000, help="instances in the zone")
    parser.add_argument("--queries", type=int, default=20_000, help="distinct queries in the mix")
    parser.add_argument("--rate", type=int, default=20_000, help="queries/s of the latency test")
    parser.add_argument("--udp-sockets", type=int, default=4)
    parser.add_argument("--udp-window", type=int, default=32,
                        help="queries outstanding per UDP socket (4 x 32 stays within a default 208 KiB socket buffer)")
    parser.add_argument("--udp-batch", type=int, default=32, help="the generator's sendmmsg/recvmmsg batch")
    parser.add_argument("--timeout-ms", type=int, default=250,
                        help="a query unanswered this long is lost and its slot reused")
    parser.add_argument("--tcp-connections", type=int, default=8)
    parser.add_argument("--tcp-window", type=int, default=32, help="queries outstanding per TCP connection")
    parser.add_argument("--tcp1-connections", type=int, default=16, help="connections in flight, one query each")
    parser.add_argument("--floors", help="directory of the floor responders (run.sh --floors builds them)")
    parser.add_argument("--batches", default="1,8,32,64", help="batch sizes of the posix floor")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fedns-bench-dns-"))
    instances = zonedata.inventory(args.names)
    zone = zonedata.Zone(instances)
    zones = zone.write(workdir)
    inventory = workdir / "inventory.json"
    zonedata.write_inventory(inventory, instances)
    mix = zonedata.query_mix(instances, zone, args.queries)
    queries = workdir / "queries.bin"
    zonedata.write_queries(queries, mix)
    probe = f"{zonedata.label(instances[0].name)}.{zonedata.ORIGIN}."
    print(f"workdir {workdir}; {args.names:,} instances, {len(mix):,} distinct queries; {args.rounds} rounds of "
          f"{args.duration:g} s per server and test; servers on CPU {SERVER_CPU}, dnsload on CPU {LOAD_CPU}; "
          f"{cpu_model()}", flush=True)

    servers: dict[str, PinnedServer] = {}
    floors: list[PinnedServer] = []
    try:
        for label, make in (("nsd", dnsservers.nsd_command), ("knot", dnsservers.knot_command),
                            ("gdnsd", dnsservers.gdnsd_command)):
            command, port = make(workdir, zones)
            servers[label] = dnsservers.start(label, command, port, workdir, probe)
        command, port = dnsservers.fedns_command(args.fedns, workdir, inventory)
        servers["fedns"] = dnsservers.start("fedns", command, port, workdir, probe)
        if args.floors:
            floors.append(dnsservers.start_floor(Path(args.floors), "nio", 64, workdir))
            for batch in (int(b) for b in args.batches.split(",")):
                floors.append(dnsservers.start_floor(Path(args.floors), "posix", batch, workdir))
        check_answers(list(servers.values()), mix)

        generator = Generator(args.dnsload, queries, args)
        results: dict[tuple[str, str], list[dict]] = {}
        print(flush=True)
        for mode in ("udp", "tcp", "tcp1"):
            for round_number in range(args.rounds):
                lineup = list(servers.values()) + (floors if mode == "udp" else [])
                for server in lineup if round_number % 2 == 0 else reversed(lineup):
                    summary = generator.run(server, mode, check=not server.label.startswith("floor"))
                    results.setdefault((server.label, mode), []).append(summary)
                    print(f"  {mode:4} round {round_number + 1} {server.label:13}: {summary['qps']:>9,.0f} q/s, "
                          f"{summary['per_cpu_second']:>9,.0f} q/CPU-s, "
                          f"server CPU {summary['server_cpu']:4.0%} busy {summary['server_busy']:4.0%}, "
                          f"dnsload CPU {summary['cpu']:4.0%} busy {summary['busy']:4.0%}, "
                          f"lost {summary['lost']:.0f}, errors {summary['errors']:.0f}"
                          + ("  CLIENT-LIMITED" if summary["client_limited"] else ""), flush=True)
        latency = {}
        for server in servers.values():
            latency[server.label] = generator.run(server, "udp", rate=args.rate)
            print(f"  latency at {args.rate:,} q/s {server.label:6}: achieved {latency[server.label]['qps']:,.0f} q/s, "
                  f"p50 {latency[server.label]['p50_us']:.0f} us, p99 {latency[server.label]['p99_us']:.0f} us, "
                  f"lost {latency[server.label]['lost']:.0f}", flush=True)
        memory = {label: (*server.rss_mb(), server.pss_mb()) for label, server in servers.items()}
    finally:
        for server in [*servers.values(), *floors]:
            server.stop()

    def median(label: str, mode: str, key: str) -> float:
        return statistics.median(result[key] for result in results[(label, mode)])

    names = versions()
    labels = [*REFERENCES, "fedns"]
    rows = [
        ("UDP queries/s at saturation", lambda label: median(label, "udp", "qps"), "{:,.0f}"),
        ("UDP queries per server CPU-second", lambda label: median(label, "udp", "per_cpu_second"), "{:,.0f}"),
        ("TCP pipelined queries/s", lambda label: median(label, "tcp", "qps"), "{:,.0f}"),
        ("TCP one query per connection, queries/s", lambda label: median(label, "tcp1", "qps"), "{:,.0f}"),
        (f"UDP p50 latency at {args.rate:,} q/s (us)", lambda label: latency[label]["p50_us"], "{:,.0f}"),
        (f"UDP p99 latency at {args.rate:,} q/s (us)", lambda label: latency[label]["p99_us"], "{:,.0f}"),
        ("RSS after the load (MB)", lambda label: memory[label][0], "{:,.1f}"),
        ("PSS after the load (MB, shared pages counted once)", lambda label: memory[label][2], "{:,.1f}"),
    ]
    print(f"\n{args.names:,} instances; medians of {args.rounds} rounds of {args.duration:g} s; {cpu_model()}")
    print("| metric | " + " | ".join(names.get(label, label) for label in labels) +
          " | fedns/NSD | fedns/Knot | fedns/gdnsd |")
    print("|---|" + "---|" * (len(labels) + 3))
    for title, value, style in rows:
        values = {label: value(label) for label in labels}
        ratios = [values["fedns"] / values[reference] if values[reference] else float("nan") for reference in REFERENCES]
        print(f"| {title} | " + " | ".join(style.format(values[label]) for label in labels) + " | " +
              " | ".join(f"{ratio:.2f}" for ratio in ratios) + " |")
    fedns_p99 = latency["fedns"]["p99_us"]
    eff = {label: median(label, "udp", "per_cpu_second") for label in labels}
    qps = {label: median(label, "udp", "qps") for label in labels}
    print("\ntargets (issue 14), this run:")
    for text, met in (
        ("UDP queries per CPU-second >= 1.2x NSD", eff["fedns"] >= 1.2 * eff["nsd"]),
        ("UDP queries per CPU-second >= gdnsd", eff["fedns"] >= eff["gdnsd"]),
        ("UDP queries/s at saturation >= 1.1x NSD", qps["fedns"] >= 1.1 * qps["nsd"]),
        ("TCP pipelined queries/s >= Knot", median("fedns", "tcp", "qps") >= median("knot", "tcp", "qps")),
        ("TCP one query per connection >= Knot", median("fedns", "tcp1", "qps") >= median("knot", "tcp1", "qps")),
        (f"p99 < 200 us at {args.rate:,} q/s", fedns_p99 < 200),
    ):
        print(f"  {'met    ' if met else 'NOT met'}  {text}")

    if floors:
        print("\n| UDP, one fixed A record for every query, no fedns code | queries/s | q/CPU-s | /NSD (q/s) | "
              "fedns/floor (q/s) | fedns/floor (q/CPU-s) |")
        print("|---|---|---|---|---|---|")
        for floor in floors:
            kind, _, batch = floor.label.removeprefix("floor-").partition("-")
            title = dnsservers.FLOORS[kind].format(batch=batch)
            floor_qps, floor_eff = median(floor.label, "udp", "qps"), median(floor.label, "udp", "per_cpu_second")
            print(f"| {title} | {floor_qps:,.0f} | {floor_eff:,.0f} | {floor_qps / qps['nsd']:.2f} | "
                  f"{qps['fedns'] / floor_qps:.2f} | {eff['fedns'] / floor_eff:.2f} |")

    limited = sorted(f"{label} {mode}" for (label, mode), rounds in results.items()
                     if any(r["client_limited"] for r in rounds))
    if limited:
        print(f"\nclient-limited rounds (dnsload busy >= {BUSY_LIMIT:.0%} while the server was not): "
              + ", ".join(limited))
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"udp_qps_ratio={qps['fedns'] / qps['nsd']:.2f} udp_eff_ratio={eff['fedns'] / eff['nsd']:.2f} "
          f"tcp_ratio={median('fedns', 'tcp', 'qps') / median('nsd', 'tcp', 'qps'):.2f} "
          f"client_limited={'yes' if limited else 'no'}")


if __name__ == "__main__":
    sys.exit(main())
