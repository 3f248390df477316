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

With --uncached [N], each round also asks N distinct addresses (default 100,000) once each, in order, over keep-alive
connections: lookups fedns has never answered, so none is in its reply cache (each round takes a fresh range).
nginx answers them from one static file per address, with the body fedns sends for it (same size), opened and read
per request. wrk has no request count, so the Lua script prints START and DONE and the rate is N over that time.
wrk's own CPU share is shown for every round; at 90 % or more wrk, not the server, may have been the limit.

With --book-memory [N], a separate fedns starts with a one-address book, then N addresses (default 1,000,000) are
bulk-imported with `fedns federation import` while it runs: the import's duration, how soon the running server
serves the new book (its `address book loaded` log line, timed as it arrives, then a lookup), its RSS before and
after, and its start time with that book.

With --floors, the keep-alive test also runs the two floor servers of bench/federation/floors, which send the same
reply with no fedns code: SwiftNIO + NIOSSL + NIOHTTP1 alone, and Hummingbird 2 + HummingbirdTLS alone. They show
how much of the gap to nginx the stack under fedns sets before fedns does anything.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchproc import LOAD_CPU, SERVER_CPU, LoggedServer, PinnedServer  # noqa: E402

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


def make_book(first: int, count: int) -> list[tuple[str, str, str]]:
    """Addresses user{first}… with a random account each and memo id = the number: (address, account, memo)."""
    return [(f"user{index}*{DOMAIN}", account_id(), str(index)) for index in range(first, first + count)]


def write_book(path: Path, records: list[tuple[str, str, str]]) -> Path:
    with path.open("w") as out:
        out.write("address,account_id,memo_type,memo\n")
        out.writelines(f"{address},{account},id,{memo}\n" for address, account, memo in records)
    return path


def sep2_reply(record: tuple[str, str, str]) -> bytes:
    """The body fedns sends for a found address (Sources/Federation, SEP2Exchange.sep2Record, compact JSON)."""
    address, account, memo = record
    return json.dumps({"stellar_address": address, "account_id": account, "memo_type": "id", "memo": memo},
                      separators=(",", ":")).encode()


def fedns_config(workdir: Path, port: int, certificate: tuple[Path, Path], ca: Path, name: str = "fedns") -> Path:
    config = workdir / f"{name}.toml"
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
store = "sqlite:{workdir}/{name}.db"
max_connections = 4096
threads = 1
[control]
enabled = false
""")
    return config


def start_fedns(binary: str, workdir: Path, certificate: tuple[Path, Path], ca: Path,
                records: list[tuple[str, str, str]]) -> PinnedServer:
    port = free_port()
    config = fedns_config(workdir, port, certificate, ca)
    book = write_book(workdir / "addresses.csv", records)
    subprocess.run([binary, "federation", "import", str(book), "--config", str(config)], check=True, capture_output=True)
    server = PinnedServer("fedns", [binary, "serve", "--config", str(config), "--log-level", "warning"], port, workdir,
                          ready=lambda: answers(port, ca))
    server.start()
    return server


def start_nginx(workdir: Path, certificate: tuple[Path, Path], ca: Path, reply: bytes | None = None,
                files: dict[str, bytes] | None = None, label: str = "nginx") -> PinnedServer:
    """nginx with one worker, sending `reply` for every /federation request, or with `files` (address -> body)
    the body of the file named by the `q` parameter, one file per address (open, read, close per request: nginx's
    open_file_cache is off by default)."""
    port = free_port()
    root = workdir / label
    (root / "logs").mkdir(parents=True, exist_ok=True)
    if files is None:
        (root / "federation.json").write_bytes(reply or b"")
        target = f"alias {root}/federation.json;"
    else:
        (root / "book").mkdir(exist_ok=True)
        for address, body in files.items():
            (root / "book" / f"{address}.json").write_bytes(body)
        os.chmod(root / "book", 0o755)
        target = f"root {root}/book;\n            try_files /$arg_q.json =404;"
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
            {target}
        }}
    }}
}}
""")
    # The worker runs as nobody: let it into the directory and read the replies (the key is read by the master).
    for path in (workdir, root):
        os.chmod(path, 0o755)
    for path in root.glob("*.json"):
        os.chmod(path, 0o644)
    probe = next(iter(files)) if files else f"user1*{DOMAIN}"
    server = PinnedServer(label, ["nginx", "-p", str(root), "-e", f"{root}/logs/error.log", "-c", str(config),
                                  "-g", "daemon off;"], port, workdir,
                          ready=lambda: fetch(port, ca, f"/federation?type=name&q={probe}") is not None)
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


def uncached_script(workdir: Path, first: int, count: int) -> Path:
    """`type=name` lookups of user{first} … user{first + count - 1}, each once, in order; prints START at the first
    request and DONE at the last answer, then stops (wrk_counted times the run between the two)."""
    path = workdir / f"wrk-uncached-{first}.lua"
    path.write_text(f"""wrk.headers["Host"] = "{DOMAIN}"
io.stdout:setvbuf("no")
local first, count, issued, answered = {first}, {count}, 0, 0
request = function()
  if issued == 0 then io.stdout:write("START\\n") end
  local index = first + (issued % count)
  issued = issued + 1
  return wrk.format("GET", "/federation?type=name&q=user" .. index .. "*{DOMAIN}")
end
response = function(status, headers, body)
  answered = answered + 1
  if answered == count then
    io.stdout:write("DONE\\n")
    wrk.thread:stop()
  end
end
""")
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk_summary(output: str, server_cpu: float, client_cpu: float, wall: float, *, rate: float | None = None,
                total: int | None = None) -> dict:
    """What a wrk run says, with the server's CPU over it and wrk's own CPU share (>= 90 %: wrk was the limit)."""
    total = total if total is not None else int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate if rate is not None else float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "per_cpu_second": total / server_cpu if server_cpu else float("nan"),
        "p99_ms": parse_latency(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "p50_ms": parse_latency(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "client_cpu": client_cpu / wall if wall else float("nan"),
    }


def wrk(server: PinnedServer, script: Path, connections: int, duration: int) -> dict:
    command = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
               str(script), f"https://localhost:{server.port}"]
    cpu_before, client_before, started = server.cpu_seconds(), children_cpu(), time.monotonic()
    output = subprocess.run(command, capture_output=True, text=True).stdout
    return wrk_summary(output, server.cpu_seconds() - cpu_before, children_cpu() - client_before,
                       time.monotonic() - started)


def wrk_counted(server: PinnedServer, script: Path, connections: int, count: int, timeout: int) -> dict:
    """A run of `uncached_script`: the rate is `count` over the time from its first request to its last answer
    (wrk itself would divide by the whole -d duration), timed here as its START and DONE lines arrive."""
    command = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{timeout}s", "--latency", "-s",
               str(script), f"https://localhost:{server.port}"]
    cpu_before, client_before = server.cpu_seconds(), children_cpu()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    marks, lines = {}, []
    for line in process.stdout:
        lines.append(line)
        if line.strip() in ("START", "DONE"):
            marks[line.strip()] = time.monotonic()
            if line.strip() == "DONE":
                process.send_signal(signal.SIGINT)  # wrk then reports at once instead of sleeping out -d
    process.wait()
    if "DONE" not in marks:
        raise SystemExit(f"{server.label} did not answer {count} lookups within {timeout} s:\n{''.join(lines)}")
    elapsed = marks["DONE"] - marks["START"]
    return wrk_summary("".join(lines), server.cpu_seconds() - cpu_before, children_cpu() - client_before, elapsed,
                       rate=count / elapsed, total=count)


def measure_book(binary: str, workdir: Path, certificate: tuple[Path, Path], ca: Path, count: int) -> dict:
    """A server with one address, then a bulk import of `count` (one transaction, `fedns federation import`):
    how long the import takes, how soon the running server serves the new book (its mirror reloads when the
    SQLite file changes; timed to its `address book loaded` line, then checked with a lookup), its memory before
    and after, and how long it takes to start with that book."""
    port = free_port()
    config = fedns_config(workdir, port, certificate, ca, name="fedns-book")
    subprocess.run([binary, "federation", "import", str(write_book(workdir / "seed.csv", make_book(1, 1))),
                    "--config", str(config)], check=True, capture_output=True)
    command = [binary, "serve", "--config", str(config), "--log-level", "info"]
    server = LoggedServer("fedns-book", command, port, workdir, ready=lambda: answers(port, ca))
    server.start()
    result = {}
    try:
        deadline = time.monotonic() + 60
        while not answers(port, ca):
            if time.monotonic() > deadline:
                raise SystemExit("fedns-book did not answer")
            time.sleep(0.05)
        time.sleep(1)
        result["rss_before"], _ = server.rss_mb()
        book = write_book(workdir / "bulk.csv", make_book(1, count))
        after = len(server.lines)
        started = time.monotonic()
        subprocess.run([binary, "federation", "import", str(book), "--config", str(config)], check=True,
                       capture_output=True)
        imported = time.monotonic()
        _, loaded, _ = server.wait_for(f"addresses={count}", after, timeout=600)
        last = f"user{count}*{DOMAIN}"
        if fetch(port, ca, f"/federation?type=name&q={last}") is None:
            raise SystemExit(f"fedns-book logged the new book but does not answer for {last}")
        result.update(import_s=imported - started, visible_after_import_ms=(loaded - imported) * 1000,
                      visible_after_start_s=loaded - started)
        time.sleep(2)
        result["rss"], result["rss_peak"] = server.rss_mb()
        result["pss"] = server.pss_mb()
    finally:
        server.stop()
    server = PinnedServer("fedns-book", command, port, workdir, ready=lambda: answers(port, ca))
    started = time.monotonic()
    server.start(timeout=600)
    result["start_s"] = time.monotonic() - started
    server.stop()
    return result


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
    parser.add_argument("--uncached", type=int, nargs="?", const=100_000, default=0, metavar="N",
                        help="also N distinct addresses, each asked once per round (default 100,000), against nginx "
                             "serving one static file per address")
    parser.add_argument("--book-memory", type=int, nargs="?", const=1_000_000, default=0, metavar="N",
                        help="also the memory and reload time of a server after a bulk import of N addresses "
                             "(default 1,000,000)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fedns-bench-federation-"))
    certificate = make_certificate(workdir)
    ca = workdir / "ca.pem"
    print(f"workdir {workdir}; {args.addresses} addresses; {args.rounds} rounds of {args.duration} s per server and "
          f"test; servers on CPU {SERVER_CPU}, wrk (1 thread, {args.connections} connections) on CPU {LOAD_CPU}",
          flush=True)

    # The repeated lookups ask user1 … user{addresses}; the uncached ones a fresh range per round after those, so
    # no lookup of theirs was ever made before (fedns keeps the bytes of found lookups until the book reloads).
    repeated = make_book(1, args.addresses)
    uncached = make_book(args.addresses + 1, args.uncached * args.rounds) if args.uncached else []
    fedns = start_fedns(args.fedns, workdir, certificate, ca, repeated + uncached)
    for record in repeated[:: max(1, len(repeated) // 5)]:
        served = fetch(fedns.port, ca, f"/federation?type=name&q={record[0]}")
        if served != sep2_reply(record):
            raise SystemExit(f"fedns answers {record[0]} with {served!r}, not {sep2_reply(record)!r}: "
                             "the static files for nginx would not be the same size (update sep2_reply)")
    reply = fetch(fedns.port, ca, "/federation?type=name&q=user5000*example.org")
    nginx = start_nginx(workdir, certificate, ca, reply)
    nginx_files = start_nginx(workdir, certificate, ca, files={record[0]: sep2_reply(record) for record in uncached},
                              label="nginx-files") if uncached else None
    floors = [start_floor(Path(args.floors) / name, workdir, certificate, ca) for name in FLOORS] if args.floors else []
    tests = {
        "keep-alive": (lua_script(workdir, args.addresses), args.connections),
        "paced": (lua_script(workdir, args.addresses, delay_ms=9.5), 20),
        "new connections": (lua_script(workdir, args.addresses, close=True), args.connections),
    }
    results: dict[tuple[str, str], list[dict]] = {}

    def report(round_number: int, test: str, label: str, summary: dict) -> None:
        results.setdefault((label, test), []).append(summary)
        print(f"  round {round_number + 1} {test:15} {label:17}: {summary['rate']:>8.0f} req/s, "
              f"{summary['per_cpu_second']:>8.0f} req/CPU-s, p50 {summary['p50_ms']:.2f} ms, "
              f"p99 {summary['p99_ms']:.2f} ms, non-2xx {summary['non_2xx']} {summary['socket_errors']}, "
              f"wrk CPU {summary['client_cpu']:.0%}" + ("  CLIENT-LIMITED" if summary["client_cpu"] >= 0.9 else ""),
              flush=True)

    try:
        for round_number in range(args.rounds):
            for test, (script, connections) in tests.items():
                servers = [nginx, fedns] + (floors if test == "keep-alive" else [])
                for server in servers if round_number % 2 == 0 else reversed(servers):
                    report(round_number, test, server.label, wrk(server, script, connections, args.duration))
            if uncached:
                first = args.addresses + 1 + round_number * args.uncached
                script = uncached_script(workdir, first, args.uncached)
                pair = [(nginx_files, "nginx"), (fedns, "fedns")]
                for server, label in pair if round_number % 2 == 0 else reversed(pair):
                    report(round_number, "uncached", label,
                           wrk_counted(server, script, args.connections, args.uncached, timeout=600))
    finally:
        for server in [fedns, nginx, *([nginx_files] if nginx_files else []), *floors]:
            server.stop()
    book = measure_book(args.fedns, workdir, certificate, ca, args.book_memory) if args.book_memory else None

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
    if uncached:
        rows += [
            (f"uncached requests/s ({args.uncached:,} addresses, each once; nginx: one file each)", "uncached", "rate"),
            ("uncached requests per server CPU-second", "uncached", "per_cpu_second"),
            ("uncached p99 latency (ms)", "uncached", "p99_ms"),
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
    limited = sorted({f"{label} {test}" for (label, test), runs in results.items()
                      if any(r["client_cpu"] >= 0.9 for r in runs)})
    if limited:
        print("\nrounds where wrk used >= 90 % of its CPU (it, not the server, may have been the limit): " + ", ".join(limited))
    if book:
        print(f"\n| address book of {args.book_memory:,} addresses (bulk import into a running server) | value |")
        print("|---|---|")
        for title, value in (
            ("`fedns federation import` (one transaction), s", f"{book['import_s']:.2f}"),
            ("served by the running server, ms after the import ended", f"{book['visible_after_import_ms']:,.0f}"),
            ("served by the running server, s after the import started", f"{book['visible_after_start_s']:.2f}"),
            ("RSS before the import, MB (one address)", f"{book['rss_before']:.1f}"),
            ("RSS after, MB (peak)", f"{book['rss']:.1f} ({book['rss_peak']:.1f})"),
            ("RSS per 1,000 addresses, MB", f"{(book['rss'] - book['rss_before']) / (args.book_memory / 1000):.3f}"),
            ("start to first answer with this book, s", f"{book['start_s']:.2f}"),
        ):
            print(f"| {title} | {value} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
