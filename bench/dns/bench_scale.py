#!/usr/bin/env python3
"""fedns and NSD as the zone grows: 1,000, 10,000, 100,000 and 1,000,000 instances (zonedata.py's synthetic fleet:
tags of realistic length, 20 % with IPv6, 5 % sharing a name), NSD loading the equivalent zone files.

For each size and server (one worker; the load generator on CPU 0). Starting and reloading may use every CPU
(`--start-cpus`; nothing else runs then): fedns reads a large inventory and names its instances on two threads, NSD
loads its zone on one whatever it is given. For the UDP load and memory each server is then moved to CPU 1 alone:
- start to first answer: from starting the process to the first correct answer to a UDP probe sent every
  millisecond. Measured from outside, for both servers: it includes exec, reading and parsing (fedns: the snapshot
  JSON of `[discovery] source = "file"`, the same decoder as the persisted snapshot; NSD: the zone files), building
  the zone and binding;
- fedns's zone compile time: the `compile_ms` (wall) and `compile_cpu_ms` (the calling thread's CPU) that
  fedns's debug line `zone published` carries, for a SIGHUP after one instance was added to the inventory file (a
  different count, so nothing is skipped as unchanged). The reload times around it are measured from outside, from
  the arrival times of fedns's log lines: a SIGHUP with an unchanged inventory file costs read + decode + compare
  (`reloading` -> `inventory loaded`); one after the change costs read + decode + compile (`reloading` ->
  `zone published`). Without `compile_ms` in the line (older builds), compile is the second minus the first
  (slightly low: the first also compares the instances one by one), and the table says so;
- RSS and PSS after the load;
- UDP queries/s at saturation, with the query mix of run.sh spread over the whole zone.

Writes a Markdown table to stdout and to bench/dns/scale.md, and a plot to bench/dns/scale.svg.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import dnsservers  # noqa: E402
import zonedata  # noqa: E402
from bench_dns import BUSY_LIMIT, Generator, cpu_model  # noqa: E402
from benchproc import ALL_CPUS, SERVER_CPU, LoggedServer, PinnedServer  # noqa: E402

HERE = Path(__file__).resolve().parent


def first_answer(server: PinnedServer, probe: str, timeout: float = 3600) -> float:
    """Starts `server` and polls it every millisecond: seconds from the start to its first correct answer."""
    started = time.monotonic()
    server.start()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if dnsservers.answers_a(server.port, probe, timeout=0.001):
            return time.monotonic() - started
        if server.process.poll() is not None:
            raise SystemExit(f"{server.label} exited: {(server.workdir / f'{server.label}.log').read_text()[-2000:]}")
    raise SystemExit(f"{server.label} did not answer {probe} within {timeout} s")


def measure(args: argparse.Namespace, make_server: Callable[[], PinnedServer], probe: str, generator: Generator,
            on_running: Callable[[PinnedServer], dict] | None = None) -> dict:
    """Starts a server `args.starts` times (median of the times to its first answer), keeps the last one running:
    `on_running` measures what it will, then the UDP load, then memory."""
    starts = []
    for attempt in range(args.starts):
        server = make_server()
        starts.append(first_answer(server, probe))
        if attempt < args.starts - 1:
            server.stop()
    result = {"start_s": statistics.median(starts)}
    try:
        time.sleep(1)
        if on_running:
            result.update(on_running(server))
        # Queries are measured one worker against one worker, on their own CPU.
        server.pin(SERVER_CPU)
        load = generator.run(server, "udp")
        result.update(qps=load["qps"], per_cpu_second=load["per_cpu_second"],
                      client_limited=load["client_limited"], busy=load["busy"])
        result["rss"], result["rss_peak"] = server.rss_mb()
        result["pss"] = server.pss_mb()
    finally:
        server.stop()
    return result


def compile_times(server: LoggedServer, inventory: Path, instances: list[zonedata.Instance], reloads: int) -> dict:
    """fedns's reload times with the inventory unchanged and with one instance more (see the module's notes)."""
    original = inventory.with_name("inventory-original.json")
    shutil.copyfile(inventory, original)
    grown = inventory.with_name("inventory-plus-one.json")
    extra = zonedata.inventory(1, seed=99)[0]
    extra.id, extra.name = "i-0fffffffffffffff0", "scale-reload-probe"
    zonedata.write_inventory(grown, [*instances, extra])
    timeout = 600
    unchanged, changed, logged, logged_cpu = [], [], [], []
    for _ in range(reloads):
        unchanged.append(server.reload("inventory loaded", timeout)[0])
        # Replaced, not rewritten in place, and followed at once by SIGHUP; the file poller (1 s) then reloads it
        # once more, with nothing to compile, which is waited for before the next measurement.
        shutil.copyfile(grown if len(changed) % 2 == 0 else original, inventory.with_suffix(".next"))
        replaced = len(server.lines)
        os.replace(inventory.with_suffix(".next"), inventory)
        milliseconds, line = server.reload("zone published", timeout)
        changed.append(milliseconds)
        found = re.search(r"\bcompile_ms=([\d.]+)", line)
        if found:
            logged.append(float(found.group(1)))
            cpu = re.search(r"\bcompile_cpu_ms=([\d.]+)", line)
            logged_cpu.append(float(cpu.group(1)) if cpu else float("nan"))
        # Two loads follow the replacement, SIGHUP's and the poller's, one after the other on fedns's background
        # thread; both must be over before the next measurement (or the load that follows, which would starve
        # the second at its idle priority and find its decoded copy still in memory).
        first, _, _ = server.wait_for("inventory loaded", replaced, timeout)
        server.wait_for("inventory loaded", first + 1, timeout)
    result = {"reload_unchanged_ms": statistics.median(unchanged), "reload_changed_ms": statistics.median(changed)}
    if logged:
        result["compile_ms"], result["compile_source"] = statistics.median(logged), "fedns's log"
        result["compile_cpu_ms"] = statistics.median(logged_cpu)
    else:
        # At small sizes the difference is within noise and can come out below zero.
        result["compile_ms"] = max(0.0, result["reload_changed_ms"] - result["reload_unchanged_ms"])
        result["compile_source"] = "external"
    return result


def measure_fedns(args: argparse.Namespace, workdir: Path, instances: list[zonedata.Instance], probe: str,
                  generator: Generator) -> dict:
    inventory = workdir / "inventory.json"
    zonedata.write_inventory(inventory, instances)
    command, port = dnsservers.fedns_command(args.fedns, workdir, inventory)
    command[command.index("--log-level") + 1] = "debug"  # for the `zone published` line
    return measure(args, lambda: LoggedServer("fedns", command, port, workdir, ready=lambda: True, cpus=args.start_cpus),
                   probe, generator, on_running=lambda server: compile_times(server, inventory, instances, args.reloads))


def measure_nsd(args: argparse.Namespace, workdir: Path, zones: dict[str, Path], probe: str,
                generator: Generator) -> dict:
    command, port = dnsservers.nsd_command(workdir, zones)
    return measure(args, lambda: PinnedServer("nsd", command, port, workdir, ready=lambda: True, cpus=args.start_cpus),
                   probe, generator)


def svg_plot(path: Path, sizes: list[int], results: dict[tuple[str, int], dict]) -> None:
    """Three panels against the number of instances (log scale): memory (PSS, MB), start to first answer (s),
    UDP queries/s; fedns and NSD. Plain SVG, no plotting library."""
    panels = [("memory (PSS, MB)", "pss", True), ("start to first answer (s)", "start_s", True),
              ("UDP queries/s (thousands)", "qps", False)]
    colours = {"fedns": "#d9480f", "nsd": "#1c7ed6"}
    width, height, margin = 300, 220, 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(panels) * (width + margin) + margin}" '
           f'height="{height + 2 * margin + 20}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>']
    xs = [math.log10(size) for size in sizes]
    x_low, x_high = min(xs) - 0.2, max(xs) + 0.2
    for number, (title, key, log_y) in enumerate(panels):
        left, top = margin + number * (width + margin), margin
        values = [results[(server, size)][key] / (1000 if key == "qps" else 1)
                  for server in colours for size in sizes if (server, size) in results]
        positive = [value for value in values if value > 0] or [1]
        if log_y:
            y_low, y_high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
            y_high = max(y_high, y_low + 1)
        else:
            # A round step (1, 2 or 5 times a power of ten) giving four or five gridlines.
            raw = max(positive) / 4
            power = 10 ** math.floor(math.log10(raw))
            step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
            y_low, y_high = 0, step * math.ceil(max(positive) * 1.05 / step)

        def x_at(size: int) -> float:
            return left + (math.log10(size) - x_low) / (x_high - x_low) * width

        def y_at(value: float) -> float:
            scaled = math.log10(max(value, 10 ** y_low)) if log_y else value
            return top + height - (scaled - y_low) / (y_high - y_low) * height

        out.append(f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#868e96"/>')
        out.append(f'<text x="{left + width / 2}" y="{top - 10}" text-anchor="middle" font-size="13">{title}</text>')
        for size in sizes:
            out.append(f'<line x1="{x_at(size):.1f}" y1="{top + height}" x2="{x_at(size):.1f}" y2="{top + height + 4}" stroke="#868e96"/>')
            out.append(f'<text x="{x_at(size):.1f}" y="{top + height + 16}" text-anchor="middle">{size:,}</text>')
        ticks = [10 ** exponent for exponent in range(int(y_low), int(y_high) + 1)] if log_y else \
            [step * index for index in range(int(round(y_high / step)) + 1)]
        for tick in ticks:
            out.append(f'<line x1="{left}" y1="{y_at(tick):.1f}" x2="{left + width}" y2="{y_at(tick):.1f}" stroke="#e9ecef"/>')
            out.append(f'<text x="{left - 4}" y="{y_at(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        for server, colour in colours.items():
            points = [(x_at(size), y_at(results[(server, size)][key] / (1000 if key == "qps" else 1)))
                      for size in sizes if (server, size) in results]
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
            out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
    legend_y = height + 2 * margin + 5
    for number, (server, colour) in enumerate(colours.items()):
        x = margin + number * 90
        out.append(f'<rect x="{x}" y="{legend_y - 9}" width="12" height="4" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{legend_y - 4}">{"fedns" if server == "fedns" else "NSD"}</text>')
    out.append(f'<text x="{margin + 200}" y="{legend_y - 4}" fill="#495057">instances in the zone (log scale); '
               f'{cpu_model()}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--dnsload", required=True)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--duration", type=float, default=10, help="seconds of UDP load per size and server")
    parser.add_argument("--starts", type=int, default=3, help="starts per size and server (median)")
    parser.add_argument("--reloads", type=int, default=3, help="reload pairs per size for fedns's compile time")
    parser.add_argument("--start-cpus", default=ALL_CPUS,
                        help="CPUs the servers may use while starting and reloading (taskset list; all by default: "
                             "nothing else runs then); the UDP load and memory are always measured on one")
    parser.add_argument("--output", default=str(HERE), help="directory for scale.md and scale.svg")
    # The generator's settings (bench_dns.Generator): the same as run.sh's UDP rounds.
    parser.add_argument("--udp-sockets", type=int, default=4)
    parser.add_argument("--udp-window", type=int, default=32)
    parser.add_argument("--udp-batch", type=int, default=32)
    parser.add_argument("--timeout-ms", type=int, default=250)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    print(f"sizes {', '.join(f'{size:,}' for size in sizes)}; {args.starts} starts, {args.reloads} reload pairs, "
          f"{args.duration:g} s of UDP load per size and server; servers start on CPUs {args.start_cpus}, take the "
          f"load on CPU {SERVER_CPU}; {cpu_model()}",
          flush=True)
    results: dict[tuple[str, int], dict] = {}
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"fedns-bench-scale-{size}-"))
        try:
            instances = zonedata.inventory(size)
            zone = zonedata.Zone(instances)
            zones = zone.write(workdir)
            mix = zonedata.query_mix(instances, zone, min(max(20_000, size // 10), 100_000))
            queries = workdir / "queries.bin"
            zonedata.write_queries(queries, mix)
            del zone, mix
            generator = Generator(args.dnsload, queries, args)
            probe = f"{zonedata.label(instances[-1].name)}.{zonedata.ORIGIN}."
            results[("nsd", size)] = nsd = measure_nsd(args, workdir, zones, probe, generator)
            print(f"  {size:>9,} NSD  : first answer {nsd['start_s']:.3f} s, PSS {nsd['pss']:.1f} MB "
                  f"(RSS {nsd['rss']:.1f}), {nsd['qps']:,.0f} q/s", flush=True)
            results[("fedns", size)] = fedns = measure_fedns(args, workdir, instances, probe, generator)
            print(f"  {size:>9,} fedns: first answer {fedns['start_s']:.3f} s, compile {fedns['compile_ms']:.0f} ms "
                  f"(CPU {fedns.get('compile_cpu_ms', float('nan')):.0f} ms) "
                  f"({fedns['compile_source']}; reload {fedns['reload_changed_ms']:.0f} ms changed, "
                  f"{fedns['reload_unchanged_ms']:.0f} ms unchanged), PSS {fedns['pss']:.1f} MB "
                  f"(RSS {fedns['rss']:.1f}), {fedns['qps']:,.0f} q/s", flush=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    compile_note = {results[("fedns", size)]["compile_source"] for size in sizes}
    lines = [f"Zone size against fedns and NSD ({cpu_model()}); starts and reloads on CPUs {args.start_cpus}, one "
             f"worker each on CPU {SERVER_CPU} for the load and memory; medians of "
             f"{args.starts} starts; compile time from {' and '.join(sorted(compile_note))} (see bench_scale.py).", "",
             "| instances | fedns compile (ms) | fedns reload, changed / unchanged (ms) | first answer fedns / NSD (s) "
             "| PSS fedns / NSD (MB) | fedns/NSD memory | RSS fedns / NSD (MB) | UDP q/s fedns / NSD |",
             "|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        f, n = results[("fedns", size)], results[("nsd", size)]
        lines.append(f"| {size:,} | {f['compile_ms']:,.0f} | {f['reload_changed_ms']:,.0f} / {f['reload_unchanged_ms']:,.0f} "
                     f"| {f['start_s']:.3f} / {n['start_s']:.3f} | {f['pss']:,.1f} / {n['pss']:,.1f} "
                     f"| {f['pss'] / n['pss']:.2f} | {f['rss']:,.1f} / {n['rss']:,.1f} | {f['qps']:,.0f} / {n['qps']:,.0f} |")
    lines += ["", "fedns's cost per 1,000 instances (for sizing a server):", "",
              "| instances | memory (PSS) per 1,000 instances (MB) | compile CPU per 1,000 instances (ms) |", "|---|---|---|"]
    for size in sizes:
        f = results[("fedns", size)]
        lines.append(f"| {size:,} | {f['pss'] / (size / 1000):.3f} | {f.get('compile_cpu_ms', f['compile_ms']) / (size / 1000):.2f} |")

    lines += ["", "Targets (issue 14):"]

    def target(text: str, size: int, met: bool | None) -> None:
        state = "n/a    " if met is None else ("met    " if met else "NOT met")
        lines.append(f"- {state} {text}" + ("" if met is not None else f" (size {size:,} not measured)"))

    def at(server: str, size: int) -> dict | None:
        return results.get((server, size))

    for size in (100_000, 1_000_000):
        f, n = at("fedns", size), at("nsd", size)
        figure = f" ({f['pss'] / n['pss']:.2f}x)" if f and n else ""
        target(f"memory (PSS) <= 1/2 of NSD's at {size:,}{figure}", size, f["pss"] <= n["pss"] / 2 if f and n else None)
    f = at("fedns", 100_000)
    figure = f" ({f['compile_ms']:.0f} ms)" if f else ""
    target(f"compile of 100,000 < 300 ms{figure}", 100_000, f["compile_ms"] < 300 if f else None)
    figure = f" ({f['start_s'] * 1000:.0f} ms)" if f else ""
    target(f"start to first answer from a 100,000 snapshot < 500 ms{figure}", 100_000, f["start_s"] < 0.5 if f else None)
    small, large = at("fedns", 1_000), at("fedns", 1_000_000)
    figure = f" ({large['qps'] / small['qps']:.2f}x)" if small and large else ""
    target(f"UDP q/s at 1,000,000 within 10 % of 1,000{figure}", 1_000_000,
           large["qps"] >= 0.9 * small["qps"] if small and large else None)
    limited = [f"{server} {size:,}" for (server, size), r in results.items() if r["client_limited"]]
    if limited:
        lines.append(f"\nclient-limited UDP runs (dnsload busy >= {BUSY_LIMIT:.0%} while the server was not): "
                     + ", ".join(limited))

    output = Path(args.output)
    (output / "scale.md").write_text("\n".join(lines) + "\n")
    svg_plot(output / "scale.svg", sizes, results)
    print("\n" + "\n".join(lines))
    print(f"\nwrote {output / 'scale.md'} and {output / 'scale.svg'}")


if __name__ == "__main__":
    sys.exit(main())
