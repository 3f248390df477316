"""A steady DNS load for the fault, abuse and soak tests: queries for known names at a fixed rate, over UDP (and,
with --tcp-every N, every Nth over one kept-open TCP connection), each answer checked against the addresses
expected. Run as its own process, so that the test's threads (a fault proxy, say) do not skew its timings:

    python3 dnsload.py --port P --seconds S --rate R --expect '{"web-1.ec2.": ["54.0.0.1"]}'

prints one JSON object: sent, failed (no answer within the timeout, or not NOERROR), wrong (other addresses),
p50_ms, p99_ms, max_ms, and the first few failures."""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import struct
import sys
import time

import dns.message
import dns.rcode
import dns.rdatatype


class TCPChannel:
    """One TCP connection kept open, reopened when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float):
        self.address = (host, port)
        self.timeout = timeout
        self.sock: socket.socket | None = None

    def exchange(self, wire: bytes) -> bytes:
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(self.address, timeout=self.timeout)
                self.sock.sendall(struct.pack("!H", len(wire)) + wire)
                length = struct.unpack("!H", self.read(2))[0]
                return self.read(length)
            except (ConnectionError, OSError) as error:
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                # A connection the server closed for being idle is reopened once; a timeout is a failure.
                if attempt == 2 or isinstance(error, socket.timeout):
                    raise
        raise AssertionError("unreachable")

    def read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data


def run(host: str, port: int, seconds: float, rate: float, expect: dict[str, list[str] | None],
        tcp_every: int = 0, timeout: float = 1.0) -> dict:
    """`expect` maps a name to its sorted A addresses, or None to accept any NOERROR answer with addresses."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.settimeout(timeout)
    tcp = TCPChannel(host, port, timeout)
    names = list(expect)
    latencies: list[float] = []
    failures: list[str] = []
    sent = failed = wrong = 0
    interval = 1.0 / rate
    started = time.monotonic()
    next_send = started
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))  # stop early, and still report
    while time.monotonic() - started < seconds and not stopping:
        now = time.monotonic()
        if now < next_send:
            time.sleep(next_send - now)
        next_send += interval
        name = names[sent % len(names)]
        query = dns.message.make_query(name, "A")
        query.id = random.randrange(65536)
        wire = query.to_wire()
        over_tcp = tcp_every > 0 and sent % tcp_every == tcp_every - 1
        sent += 1
        begin = time.perf_counter()
        try:
            if over_tcp:
                reply_wire = tcp.exchange(wire)
            else:
                udp.sendto(wire, (host, port))
                while True:
                    reply_wire, _ = udp.recvfrom(65535)
                    if reply_wire[:2] == wire[:2]:
                        break  # a late answer to an earlier query that timed out is skipped
            latencies.append((time.perf_counter() - begin) * 1000)
            reply = dns.message.from_wire(reply_wire, ignore_trailing=True)
        except Exception as error:  # noqa: BLE001 (every way of not answering is a failure)
            failed += 1
            if len(failures) < 5:
                failures.append(f"{name} ({'tcp' if over_tcp else 'udp'}): {type(error).__name__} {error}")
            continue
        addresses = sorted(r.to_text() for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A for r in rrset)
        if reply.rcode() != dns.rcode.NOERROR or not addresses:
            failed += 1
            if len(failures) < 5:
                failures.append(f"{name}: {dns.rcode.to_text(reply.rcode())} {addresses}")
        elif expect[name] is not None and addresses != expect[name]:
            wrong += 1
            if len(failures) < 5:
                failures.append(f"{name}: {addresses}, expected {expect[name]}")
    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 3) if latencies else 0.0

    return {"sent": sent, "failed": failed, "wrong": wrong, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
            "max_ms": round(latencies[-1], 3) if latencies else 0.0, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--tcp-every", type=int, default=0)
    parser.add_argument("--expect", required=True, help="JSON: name -> sorted A addresses (or null: any)")
    args = parser.parse_args()
    result = run(args.host, args.port, args.seconds, args.rate, json.loads(args.expect), args.tcp_every)
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()


class Load:
    """The load as a background process of a test: start(), then result() once it has run its course."""

    def __init__(self, port: int, seconds: float, expect: dict, rate: float = 200, tcp_every: int = 0, host: str = "127.0.0.1"):
        import subprocess
        from pathlib import Path

        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--host", host, "--port", str(port), "--seconds", str(seconds),
             "--rate", str(rate), "--tcp-every", str(tcp_every), "--expect", json.dumps(expect)],
            stdout=subprocess.PIPE, text=True)

    def result(self, timeout: float = 120) -> dict:
        out, _ = self.process.communicate(timeout=timeout)
        return json.loads(out)

    def stop(self) -> dict:
        """Ends the load now and returns its figures."""
        import signal as signals

        self.process.send_signal(signals.SIGTERM)
        return self.result()
