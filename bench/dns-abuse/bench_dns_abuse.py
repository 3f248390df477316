#!/usr/bin/env python3
"""DNS listeners under abuse (issue 15 part 5): fedns serving a 10,000-instance zone while
1. a flood of UDP queries for random names (every one different: NXDOMAIN under the zone, REFUSED outside it, random
   case of real names) runs at the generator's full speed: RSS sampled throughout (nothing is cached per name asked,
   so it must not grow);
2. 1,000 TCP connections are opened and held idle (tcp_max_connections = 1024), and 200 more beyond the limit are
   refused and counted, while a legitimate client asks over UDP and over new TCP connections;
3. 50 TCP clients each send 20,000 pipelined queries and never read a reply: each connection stops being read once
   64 KiB of replies wait (BackPressureHandler), so RSS stays bounded, the legitimate client is still served, and the
   idle timeout closes the stalled connections.
Ends with one line: random_qps=N rss_growth_mb=X held_tcp=N refused_tcp=N legit_p99_ms=X stalled_rss_growth_mb=X
stalled_closed=yes|no failed=N.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "dns"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
import zonedata  # noqa: E402
from dnsservers import free_port  # noqa: E402
from stalledreaders import StalledReaders, rss_mb  # noqa: E402

ORIGIN = zonedata.ORIGIN


def wire(name: str, qtype: int = 1, qid: int = 0) -> bytes:
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + labels + struct.pack("!HH", qtype, 1)


def random_queries(path: Path, instances, count: int, seed: int = 15) -> None:
    """Distinct names: a random label under the zone, a random name outside it, a real name in random case."""
    rng = random.Random(seed)
    with path.open("wb") as out:
        for index in range(count):
            kind = index % 3
            if kind == 0:
                name, rcode = f"r{rng.getrandbits(64):016x}.{ORIGIN}.", 3
            elif kind == 1:
                name, rcode = f"r{rng.getrandbits(64):016x}.example.", 5
            else:
                real = f"{zonedata.label(rng.choice(instances).name)}.{ORIGIN}."
                name, rcode = "".join(c.upper() if rng.random() < 0.5 else c for c in real), 0
            query = wire(name)
            out.write(struct.pack("!HB", len(query), rcode) + query)


class Legit:
    """A well-behaved client: UDP queries and one-query TCP connections, with latencies and failures."""

    def __init__(self, port: int):
        self.port = port
        self.latencies: list[float] = []
        self.failed = 0

    def ask_udp(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2)
        try:
            started = time.perf_counter()
            sock.sendto(wire(f"{zonedata.label('appserver-1')}.{ORIGIN}.", qid=7), ("127.0.0.1", self.port))
            reply = sock.recv(4096)
            assert reply[:2] == b"\0\x07"
            self.latencies.append(time.perf_counter() - started)
        except (OSError, AssertionError):
            self.failed += 1
        finally:
            sock.close()

    def ask_tcp(self) -> None:
        try:
            started = time.perf_counter()
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                query = wire(f"nohost.{ORIGIN}.", qid=9)
                sock.sendall(struct.pack("!H", len(query)) + query)
                length = struct.unpack("!H", recv_exactly(sock, 2))[0]
                assert recv_exactly(sock, length)[:2] == b"\0\x09"
            self.latencies.append(time.perf_counter() - started)
        except (OSError, AssertionError):
            self.failed += 1

    def round(self, count: int = 100) -> None:
        for index in range(count):
            self.ask_udp() if index % 2 == 0 else self.ask_tcp()

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def metric(control_port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{control_port}/metrics", timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and (len(line) == len(name) or line[len(name)] in " {"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--dnsload", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--instances", type=int, default=10_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dns-abuse-"))
    instances = zonedata.inventory(args.instances)
    zonedata.write_inventory(work / "inventory.json", instances)
    port, control = free_port(), free_port()
    (work / "fedns.toml").write_text(f"""[dns]
listen = ["127.0.0.1:{port}"]
tcp_max_connections = 1024
tcp_idle_timeout = 15
[control]
listen = "127.0.0.1:{control}"
[discovery]
source = "file"
file = "{work / 'inventory.json'}"
[federation]
enabled = false
""")
    server = subprocess.Popen([args.fedns, "serve", "--config", str(work / "fedns.toml"), "--log-level", "error"])
    legit = Legit(port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not legit.latencies:
        legit.failed = 0
        legit.ask_udp()
        time.sleep(0.2)
    legit.latencies.clear()
    legit.failed = 0
    try:
        # 1. Random names at full speed.
        random_queries(work / "random.bin", instances, 300_000)
        time.sleep(1)
        rss_start = rss_mb(server.pid)
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.5):
                samples.append(rss_mb(server.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
        flood = subprocess.run([args.dnsload, "udp", "-p", str(port), "-f", str(work / "random.bin"),
                                "-d", f"{args.seconds:g}", "-c", "4", "-w", "64"], capture_output=True, text=True)
        stop.set()
        sampler.join()
        figures = dict(pair.split("=", 1) for pair in flood.stdout.split() if "=" in pair)
        rss_end = rss_mb(server.pid)
        growth = max(samples + [rss_end]) - rss_start
        print(f"random names: {figures.get('qps')} q/s for {args.seconds:g} s ({figures.get('sent')} sent, "
              f"{figures.get('wrong')} wrong rcode, generator busy {figures.get('busy')}); RSS {rss_start:.1f} MB "
              f"-> max {max(samples + [rss_end]):.1f} -> end {rss_end:.1f} MB (growth {growth:.1f} MB)")

        # 2. 1,000 idle connections held, 200 beyond the limit refused, a legitimate client served meanwhile.
        rss_before_hold = rss_mb(server.pid)
        held = []
        for _ in range(1000):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(1)
        open_now = metric(control, "fedns_dns_tcp_connections")
        refused_before = metric(control, "fedns_dns_tcp_refused_total")
        extra = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
        time.sleep(1)
        refused = metric(control, "fedns_dns_tcp_refused_total") - refused_before
        for sock in extra:
            sock.close()
        # The legitimate client's TCP connections need free slots: the 1,000 leave 24.
        legit.round(200)
        hold_rss = rss_mb(server.pid)
        print(f"held TCP: {open_now:.0f} connections open, {refused:.0f} of 200 beyond tcp_max_connections refused; "
              f"legitimate client: {len(legit.latencies)} answered, {legit.failed} failed, p99 {legit.p99_ms():.1f} ms; "
              f"RSS {rss_before_hold:.1f} -> {hold_rss:.1f} MB")
        for sock in held:
            sock.close()
        time.sleep(1)

        # 3. Clients that send and never read.
        rss_before_stall = rss_mb(server.pid)
        query = wire(f"{zonedata.label(instances[0].name)}.{ORIGIN}.", qtype=16)  # TXT: the longest usual reply
        stalled = StalledReaders(port, query, clients=50, queries_each=20_000).start()
        time.sleep(3)
        before_round = len(legit.latencies), legit.failed
        legit.round(100)
        stall_rss = max(rss_mb(server.pid), 0)
        stall_answered = len(legit.latencies) - before_round[0]
        stall_failed = legit.failed - before_round[1]
        # The idle timeout (15 s) closes the stalled connections: count what is left.
        closed = False
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if metric(control, "fedns_dns_tcp_connections") == 0:
                closed = True
                break
            time.sleep(1)
        stalled.close()
        stall_growth = stall_rss - rss_before_stall
        print(f"stalled readers: 50 clients x 20,000 pipelined TXT queries never read; RSS {rss_before_stall:.1f} -> "
              f"{stall_rss:.1f} MB; legitimate client meanwhile {stall_answered} answered, {stall_failed} failed; "
              f"stalled connections closed by the idle timeout: {'yes' if closed else 'no'}")
        print(f"legitimate client overall: p99 {legit.p99_ms():.1f} ms, {legit.failed} failed")
        print(f"random_qps={float(figures.get('qps', 0)):.0f} rss_growth_mb={growth:.1f} held_tcp={open_now:.0f} "
              f"refused_tcp={refused:.0f} legit_p99_ms={legit.p99_ms():.1f} stalled_rss_growth_mb={stall_growth:.1f} "
              f"stalled_closed={'yes' if closed else 'no'} failed={legit.failed}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
