#!/usr/bin/env python3
"""fedns's federation endpoint against nginx serving the same reply as a static file over TLS: same machine, same
certificate, same cipher policy, same run, rounds interleaved so drift hits both alike.

Both servers run one worker pinned to CPU 1 (nginx `worker_processes 1`, fedns `[federation] threads = 1`); wrk runs
one thread pinned to CPU 0. Reported, as medians of the rounds:

- keep-alive requests/s: `type=name` lookups of random names among N addresses (SQLite store, served from memory),
  and nginx returning an equivalent JSON file with the same headers;
- requests per server CPU-second, the same run seen from the server (robust when wrk, not the server, is the limit);
- p99 latency at saturation (wrk --latency);
- p99 latency at a fixed 2,000 requests/s: wrk has no rate option (wrk2 is not packaged), so a Lua delay() paces each
  of 20 connections at about 100 requests/s (9.5 ms between a response and the next request); the achieved rate
  is printed next to it;
- new TLS handshakes/s: every request on a new connection (`Connection: close`), so each is one full handshake
  (ECDHE + ECDSA P-256 signature) plus one request.

With --floors, the keep-alive test also runs the two floor servers of bench/federation/floors, which send the same
reply with no fedns code: SwiftNIO + NIOSSL + NIOHTTP1 alone, and Hummingbird 2 + HummingbirdTLS alone. They show
how much of the gap to nginx the stack under fedns sets before fedns does anything.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import re
import secrets
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchproc import LOAD_CPU, SERVER_CPU, PinnedServer  # noqa: E402

DOMAIN = "example.org"
# The strict policy of both servers: TLS 1.2 and 1.3; for 1.2, ECDHE with AEAD only, the server's order.
TLS12_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")
REPLY_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def account_id() -> str:
    """A random valid Stellar account ID (SEP-23: version byte, key, CRC16-XModem little-endian, base32)."""
    payload = bytes([6 << 3]) + secrets.token_bytes(32)
    return base64.b32encode(payload + struct.pack("<H", binascii.crc_hqx(payload, 0))).decode()


def make_certificate(workdir: Path) -> tuple[Path, Path]:
    """A test CA and an ECDSA P-256 certificate for localhost, made with the openssl command."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=workdir)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=fedns bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out",
            "leaf.csr", "-subj", "/CN=localhost")
    (workdir / "leaf.ext").write_text(f"subjectAltName=DNS:localhost,DNS:{DOMAIN}\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-out", "cert.pem", "-extfile", "leaf.ext")
    return workdir / "cert.pem", workdir / "key.pem"


def fetch(port: int, ca: Path, path: str) -> bytes | None:
    result = subprocess.run(["curl", "-sS", "--fail", "--cacert", str(ca), "-H", f"Host: {DOMAIN}",
                             f"https://localhost:{port}{path}"], capture_output=True, timeout=10)
    return result.stdout if result.returncode == 0 else None


def answers(port: int, ca: Path) -> bool:
    return fetch(port, ca, f"/federation?type=name&q=user1*{DOMAIN}") is not None


def start_fedns(binary: str, workdir: Path, certificate: tuple[Path, Path], ca: Path, addresses: int) -> PinnedServer:
    port = free_port()
    config = workdir / "fedns.toml"
    (workdir / "inventory.json").write_text('{"format": 1, "instances": []}')
    config.write_text(f"""[dns]
enabled = false
[discovery]
source = "file"
file = "inventory.json"
[federation]
listen = "127.0.0.1:{port}"
certificate = "{certificate[0]}"
private_key = "{certificate[1]}"
ca_file = "{ca}"
domains = ["{DOMAIN}"]
store = "sqlite:{workdir}/addresses.db"
max_connections = 4096
threads = 1
""")
    book = workdir / "addresses.csv"
    book.write_text("address,account_id,memo_type,memo\n" + "".join(
        f"user{index}*{DOMAIN},{account_id()},id,{index}\n" for index in range(1, addresses + 1)))
    subprocess.run([binary, "federation", "import", str(book), "--config", str(config)], check=True, capture_output=True)
    server = PinnedServer("fedns", [binary, "serve", "--config", str(config), "--log-level", "warning"], port, workdir,
                          ready=lambda: answers(port, ca))
    server.start()
    return server


def start_nginx(workdir: Path, certificate: tuple[Path, Path], ca: Path, reply: bytes) -> PinnedServer:
    port = free_port()
    root = workdir / "nginx"
    (root / "logs").mkdir(parents=True, exist_ok=True)
    (root / "federation.json").write_bytes(reply)
    headers = "\n".join(f'            add_header {name} "{value}" always;' for name, value in REPLY_HEADERS.items())
    config = root / "nginx.conf"
    config.write_text(f"""worker_processes 1;
error_log {root}/logs/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certificate[0]};
        ssl_certificate_key {certificate[1]};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {TLS12_CIPHERS};
        ssl_prefer_server_ciphers on;
        location = /federation {{
            default_type "application/json; charset=utf-8";
{headers}
            alias {root}/federation.json;
        }}
    }}
}}
""")
    # The worker runs as nobody: let it into the directory and read the reply (the key is read by the master).
    for path in (workdir, root):
        os.chmod(path, 0o755)
    os.chmod(root / "federation.json", 0o644)
    server = PinnedServer("nginx", ["nginx", "-p", str(root), "-e", f"{root}/logs/error.log", "-c", str(config),
                                    "-g", "daemon off;"], port, workdir, ready=lambda: answers(port, ca))
    server.start()
    return server


FLOORS = {
    "nio-floor": "SwiftNIO + NIOSSL + NIOHTTP1, one handler",
    "hummingbird-floor": "Hummingbird 2 + HummingbirdTLS, one route",
}


def start_floor(binary: Path, workdir: Path, certificate: tuple[Path, Path], ca: Path) -> PinnedServer:
    """A floor server (bench/federation/floors): the fixed reply for every request, over TLS, on one event loop."""
    port = free_port()
    server = PinnedServer(binary.name, [str(binary), str(port), str(certificate[0]), str(certificate[1])], port, workdir,
                          ready=lambda: answers(port, ca))
    server.start()
    return server


def lua_script(workdir: Path, addresses: int, *, close: bool = False, delay_ms: float | None = None) -> Path:
    """Random `type=name` lookups; optionally one connection per request, or a fixed pause between requests."""
    lines = [
        f'wrk.headers["Host"] = "{DOMAIN}"',
        'math.randomseed(os.time())',
        "request = function()",
        f'  return wrk.format("GET", "/federation?type=name&q=user" .. math.random({addresses}) .. "*{DOMAIN}")',
        "end",
    ]
    if close:
        lines.insert(0, 'wrk.headers["Connection"] = "close"')
    if delay_ms is not None:
        lines += ["delay = function()", f"  return {delay_ms}", "end"]
    name = f"wrk-{'close' if close else 'keep'}-{delay_ms or 0}.lua"
    path = workdir / name
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(server: PinnedServer, script: Path, connections: int, duration: int) -> dict:
    command = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
               str(script), f"https://localhost:{server.port}"]
    cpu_before = server.cpu_seconds()
    output = subprocess.run(command, capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "per_cpu_second": total / cpu if cpu else float("nan"),
        "p99_ms": parse_latency(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "p50_ms": parse_latency(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def parse_latency(text: str) -> float:
    """wrk's `812.00us`, `1.23ms`, `2.01s` in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fedns", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--floors", help="directory of the floor servers' binaries (run.sh --floors builds them)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fedns-bench-federation-"))
    certificate = make_certificate(workdir)
    ca = workdir / "ca.pem"
    print(f"workdir {workdir}; {args.addresses} addresses; {args.rounds} rounds of {args.duration} s per server and "
          f"test; servers on CPU {SERVER_CPU}, wrk (1 thread, {args.connections} connections) on CPU {LOAD_CPU}",
          flush=True)

    fedns = start_fedns(args.fedns, workdir, certificate, ca, args.addresses)
    reply = fetch(fedns.port, ca, "/federation?type=name&q=user5000*example.org")
    nginx = start_nginx(workdir, certificate, ca, reply)
    floors = [start_floor(Path(args.floors) / name, workdir, certificate, ca) for name in FLOORS] if args.floors else []
    tests = {
        "keep-alive": (lua_script(workdir, args.addresses), args.connections),
        "paced": (lua_script(workdir, args.addresses, delay_ms=9.5), 20),
        "new connections": (lua_script(workdir, args.addresses, close=True), args.connections),
    }
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        for round_number in range(args.rounds):
            for test, (script, connections) in tests.items():
                servers = [nginx, fedns] + (floors if test == "keep-alive" else [])
                for server in servers if round_number % 2 == 0 else reversed(servers):
                    summary = wrk(server, script, connections, args.duration)
                    results.setdefault((server.label, test), []).append(summary)
                    print(f"  round {round_number + 1} {test:15} {server.label:17}: {summary['rate']:>8.0f} req/s, "
                          f"{summary['per_cpu_second']:>8.0f} req/CPU-s, p50 {summary['p50_ms']:.2f} ms, "
                          f"p99 {summary['p99_ms']:.2f} ms, non-2xx {summary['non_2xx']} {summary['socket_errors']}",
                          flush=True)
    finally:
        for server in [fedns, nginx, *floors]:
            server.stop()

    def median(label: str, test: str, key: str) -> float:
        return statistics.median(result[key] for result in results[(label, test)])

    rows = [
        ("keep-alive requests/s", "keep-alive", "rate"),
        ("keep-alive requests per server CPU-second", "keep-alive", "per_cpu_second"),
        ("keep-alive p99 latency at saturation (ms)", "keep-alive", "p99_ms"),
        ("achieved rate of the paced run (req/s)", "paced", "rate"),
        ("p99 latency at ~2,000 req/s (ms)", "paced", "p99_ms"),
        ("new TLS handshakes/s (Connection: close)", "new connections", "rate"),
        ("handshakes per server CPU-second", "new connections", "per_cpu_second"),
    ]
    print("\n| metric | nginx | fedns | fedns/nginx |")
    print("|---|---|---|---|")
    for title, test, key in rows:
        reference, ours = median("nginx", test, key), median("fedns", test, key)
        print(f"| {title} | {reference:,.2f} | {ours:,.2f} | {ours / reference:.2f} |")
    if floors:
        print("\n| keep-alive, the same reply with no fedns code | requests/s | /nginx | fedns/floor |")
        print("|---|---|---|---|")
        reference, ours = median("nginx", "keep-alive", "rate"), median("fedns", "keep-alive", "rate")
        for floor in floors:
            rate = median(floor.label, "keep-alive", "rate")
            print(f"| {FLOORS[floor.label]} | {rate:,.0f} | {rate / reference:.2f} | {ours / rate:.2f} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
