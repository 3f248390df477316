"""Abuse of the HTTPS listener while legitimate clients are measured: idle TLS connections, slowloris request heads,
stalled handshakes and a handshake flood, each attacker reconnecting as soon as the server closes it (as a real one
would). The legitimate client runs in a process of its own (its timings are not the attackers' event loop's).

Used by the end-to-end test (test_federation_abuse.py, small numbers) and by bench/https-abuse/run.sh (1,000 idle
connections and more). `python3 httpsabuse.py legit PORT CA PATH SECONDS RATE [new]` prints the legitimate
client's JSON figures."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def context(ca: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca)
    return ctx


def legit(port: int, ca: str, path: str, seconds: float, rate: float, new_connection: bool = False) -> dict:
    """GET `path` at `rate` per second for `seconds`: keep-alive (one connection, reopened if closed) or a new TLS
    connection per request. Returns sent, failed, p50/p99/max latency in ms."""
    import http.client
    import socket

    ctx = context(ca)
    latencies: list[float] = []
    failed = 0
    failures: list[str] = []
    connection = None
    started = time.monotonic()
    next_at = started
    sent = 0
    while time.monotonic() - started < seconds:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += 1 / rate
        sent += 1
        begin = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=5)
                connection._create_connection = lambda address, *rest, **kw: socket.create_connection(  # type: ignore[attr-defined]
                    ("127.0.0.1", port), *rest, **kw)
            connection.request("GET", path, headers={"Connection": "close"} if new_connection else {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            latencies.append((time.perf_counter() - begin) * 1000)
            if new_connection:
                connection.close()
                connection = None
        except Exception as error:  # noqa: BLE001 (every way of not answering is a failure)
            failed += 1
            if len(failures) < 5:
                failures.append(f"{type(error).__name__}: {error}")
            if connection is not None:
                connection.close()
            connection = None
    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 3) if latencies else 0.0

    return {"sent": sent, "failed": failed, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
            "max_ms": round(latencies[-1], 3) if latencies else 0.0, "failures": failures}


class Legit:
    """`legit` in a process of its own; `result()` once it has run."""

    def __init__(self, port: int, ca, path: str, seconds: float, rate: float, new_connection: bool = False):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "legit", str(port), str(ca), path, str(seconds), str(rate),
             "new" if new_connection else "keep"], stdout=subprocess.PIPE, text=True)

    def result(self, timeout: float = 300) -> dict:
        out, _ = self.process.communicate(timeout=timeout)
        return json.loads(out)


@dataclass
class AbuseCounts:
    opened: dict = field(default_factory=lambda: {"idle": 0, "slowloris": 0, "stalled": 0, "flood": 0})
    closed_by_server: dict = field(default_factory=lambda: {"idle": 0, "slowloris": 0, "stalled": 0})
    refused: int = 0


class Abuse:
    """The attackers, on one asyncio loop in a thread of the caller's process."""

    def __init__(self, port: int, ca, *, idle: int, slowloris: int, stalled: int, flood: int):
        self.port = port
        self.ctx = context(str(ca))
        self.plan = {"idle": idle, "slowloris": slowloris, "stalled": stalled}
        self.flood = flood
        self.counts = AbuseCounts()
        self.running = True

    async def open_tls(self):
        return await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.port, ssl=self.ctx, server_hostname="localhost"), 10)

    async def attacker(self, kind: str, index: int):
        """One attacker of `kind`: connects, misbehaves until the server closes it, and reconnects."""
        await asyncio.sleep(index * 0.002)  # a ramp, not one SYN burst the backlog would drop
        while self.running:
            try:
                if kind == "stalled":
                    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
                    writer.write(b"\x16\x03\x01")  # the first bytes of a ClientHello, then nothing
                else:
                    reader, writer = await self.open_tls()
            except (OSError, asyncio.TimeoutError, ssl.SSLError):
                self.counts.refused += 1
                await asyncio.sleep(0.1)
                continue
            self.counts.opened[kind] += 1
            try:
                await self.hold(kind, reader, writer)
            except (OSError, ssl.SSLError):
                self.counts.closed_by_server[kind] += 1
            writer.close()

    async def hold(self, kind: str, reader, writer):
        """Holds the connection (a slowloris sends one more byte of an endless head every half second) until the
        server closes it or the abuse ends."""
        head = b"GET /federation?type=name&q=bob*localhost HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 10_000
        sent = 0
        while self.running:
            if kind == "slowloris" and sent < len(head):
                writer.write(head[sent : sent + 1])
                sent += 1
                await writer.drain()
            try:
                data = await asyncio.wait_for(reader.read(4096), 0.5)
            except asyncio.TimeoutError:
                continue
            if not data:
                self.counts.closed_by_server[kind] += 1
                return

    async def flooder(self):
        """Full handshakes as fast as one task can, each connection closed at once."""
        while self.running:
            try:
                _, writer = await self.open_tls()
                self.counts.opened["flood"] += 1
                writer.close()
            except (OSError, asyncio.TimeoutError, ssl.SSLError):
                self.counts.refused += 1
                await asyncio.sleep(0.05)

    async def main(self, seconds: float):
        tasks = [asyncio.create_task(self.attacker(kind, i)) for kind, n in self.plan.items() for i in range(n)]
        tasks += [asyncio.create_task(self.flooder()) for _ in range(self.flood)]
        await asyncio.sleep(seconds)
        self.running = False
        await asyncio.wait(tasks, timeout=15)

    def run(self, seconds: float):
        asyncio.run(self.main(seconds))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fd_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def measure(pid: int, port: int, ca, path: str, *, idle: int, slowloris: int, stalled: int, flood: int, seconds: float,
            rate: float = 50) -> dict:
    """Baseline (no abuse), then the abuse with legitimate keep-alive and new-connection clients alongside; RSS and
    open files of the server sampled throughout."""
    import threading

    baseline = Legit(port, ca, path, min(seconds, 5), rate).result()
    rss_before, fds_before = rss_kb(pid), fd_count(pid)
    abuse = Abuse(port, ca, idle=idle, slowloris=slowloris, stalled=stalled, flood=flood)
    thread = threading.Thread(target=abuse.run, args=(seconds,), daemon=True)
    thread.start()
    time.sleep(min(3, seconds / 4))  # let the idle connections build up
    keep = Legit(port, ca, path, seconds - min(3, seconds / 4) - 1, rate)
    fresh = Legit(port, ca, path, seconds - min(3, seconds / 4) - 1, rate / 5, new_connection=True)
    peak_rss, peak_fds = rss_before, fds_before
    while thread.is_alive():
        peak_rss, peak_fds = max(peak_rss, rss_kb(pid)), max(peak_fds, fd_count(pid))
        time.sleep(0.25)
    during_keep, during_new = keep.result(), fresh.result()
    return {
        "baseline": baseline, "keep_alive": during_keep, "new_connections": during_new,
        "rss_before_kb": rss_before, "rss_peak_kb": peak_rss, "fds_before": fds_before, "fds_peak": peak_fds,
        "opened": abuse.counts.opened, "closed_by_server": abuse.counts.closed_by_server, "refused": abuse.counts.refused,
    }


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "legit":
    port, ca, path, seconds, rate, mode = sys.argv[2:8]
    print(json.dumps(legit(int(port), ca, path, float(seconds), float(rate), mode == "new")))
