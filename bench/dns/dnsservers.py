"""The DNS servers the benchmarks start, each with one worker pinned to the server CPU, on a free loopback port:
fedns, the reference servers (NSD, Knot, gdnsd) loading the zone files of zonedata.py, and the floor responders of
bench/dns/floors. Also the small UDP client used to check that a server answers and what it answers."""

from __future__ import annotations

import os
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchproc import PinnedServer  # noqa: E402
from zonedata import NAMESERVER_ADDRESS, ORIGIN, Query  # noqa: E402

# UDP receive buffer for every server that lets us set it (fedns uses 4 MiB; gdnsd's maximum is 1 MiB).
RECEIVE_BUFFER = 4 << 20


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def ask(port: int, query: Query, timeout: float = 1.0, tcp: bool = False) -> bytes | None:
    """One query (ID 0x1234), its answer in wire format, or None."""
    return exchange(port, b"\x12\x34" + query.wire()[2:], timeout, tcp)


def exchange(port: int, wire: bytes, timeout: float = 1.0, tcp: bool = False) -> bytes | None:
    """Sends one message as it is (over TCP with RFC 1035 framing, on a connection of its own) and returns the
    reply with its ID, or None when none comes in time."""
    try:
        if tcp:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as stream:
                stream.sendall(struct.pack("!H", len(wire)) + wire)
                data = b""
                while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                    chunk = stream.recv(65536)
                    if not chunk:
                        return None
                    data += chunk
                return data[2:2 + struct.unpack("!H", data[:2])[0]]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(timeout)
            udp.sendto(wire, ("127.0.0.1", port))
            while True:
                data = udp.recv(65536)
                if data[:2] == wire[:2]:
                    return data
    except OSError:
        return None


def summary(answer: bytes | None) -> tuple[int, int, int, int] | None:
    """(rcode, answers, authorities, size) of an answer."""
    if answer is None or len(answer) < 12:
        return None
    _, flags, _, answers, authorities, _ = struct.unpack("!HHHHHH", answer[:12])
    return flags & 0xF, answers, authorities, len(answer)


def answers_a(port: int, name: str, timeout: float = 0.5) -> bool:
    """True when `name` gets a NOERROR answer with at least one record."""
    result = summary(ask(port, Query("probe", name, 1, 0, False), timeout))
    return result is not None and result[0] == 0 and result[1] > 0


def start(label: str, command: list[str], port: int, workdir: Path, probe: str) -> PinnedServer:
    """Starts a server on the server CPU and waits until it answers `probe` (loading a big zone takes a while)."""
    server = PinnedServer(label, command, port, workdir, ready=lambda: answers_a(port, probe))
    server.start(timeout=3600)
    return server


def nsd_command(workdir: Path, zones: dict[str, Path], server_extra: str = "") -> tuple[list[str], int]:
    """NSD's command line and port; `server_extra`: more `server:` options, one per line."""
    port = free_port()
    config = workdir / "nsd.conf"
    zone_entries = "".join(f"zone:\n    name: {name}\n    zonefile: \"{path}\"\n" for name, path in zones.items())
    config.write_text(f"""server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{workdir}"
    pidfile: "{workdir}/nsd.pid"
    database: ""
    zonelistfile: "{workdir}/nsd-zone.list"
    xfrdfile: "{workdir}/nsd-xfrd.state"
    xfrdir: "{workdir}"
    rrl-ratelimit: 0
    minimal-responses: yes
    hide-version: yes
    verbosity: 0
    tcp-count: 1024
    tcp-query-count: 0
    receive-buffer-size: {RECEIVE_BUFFER}
    send-buffer-size: {RECEIVE_BUFFER}
{server_extra}remote-control:
    control-enable: no
{zone_entries}""")
    return ["nsd", "-d", "-c", str(config)], port


def knot_command(workdir: Path, zones: dict[str, Path]) -> tuple[list[str], int]:
    port = free_port()
    rundir = workdir / "knot"
    rundir.mkdir(exist_ok=True)
    config = workdir / "knot.conf"
    zone_entries = "".join(f"  - domain: {name}\n    file: \"{path}\"\n" for name, path in zones.items())
    # One UDP and one TCP worker like NSD's one server process; no journal, no zone file flushing, no checks
    # beyond loading, so that only answering is measured.
    config.write_text(f"""server:
    rundir: "{rundir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    tcp-max-clients: 4096
log:
  - target: stderr
    any: warning
database:
    storage: "{rundir}"
template:
  - id: default
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
{zone_entries}""")
    return ["knotd", "-c", str(config)], port


def gdnsd_command(workdir: Path, zones: dict[str, Path]) -> tuple[list[str], int]:
    port = free_port()
    configdir = workdir / "gdnsd"
    (configdir / "zones").mkdir(parents=True, exist_ok=True)
    for name, path in zones.items():
        target = configdir / "zones" / name
        if target.exists() or target.is_symlink():
            target.unlink()
        target.symlink_to(path)
    (configdir / "config").write_text(f"""options => {{
    listen => [ 127.0.0.1:{port} ]
    udp_threads => 1
    tcp_threads => 1
    tcp_clients_per_thread => 4096
    udp_rcvbuf => {min(RECEIVE_BUFFER, 1 << 20)}
    udp_sndbuf => {min(RECEIVE_BUFFER, 1 << 20)}
}}
""")
    os.makedirs("/run/gdnsd", exist_ok=True)  # its control socket; the path is compiled in
    return ["gdnsd", "-c", str(configdir), "start"], port


def fedns_config(workdir: Path, port: int, inventory: Path, threads: int = 1, dns_extra: str = "") -> Path:
    """fedns's configuration; `dns_extra`: more `[dns]` keys, one per line."""
    config = workdir / "fedns.toml"
    config.write_text(f"""[dns]
listen = ["127.0.0.1:{port}"]
threads = {threads}
tcp_max_connections = 4096
nameserver_addresses = ["{NAMESERVER_ADDRESS}"]
{dns_extra}[discovery]
source = "file"
file = "{inventory}"
[federation]
enabled = false
[control]
enabled = false
""")
    return config


def fedns_command(binary: str, workdir: Path, inventory: Path, dns_extra: str = "") -> tuple[list[str], int]:
    port = free_port()
    config = fedns_config(workdir, port, inventory, dns_extra=dns_extra)
    return [binary, "serve", "--config", str(config), "--log-level", "warning"], port


FLOORS = {
    "nio": "SwiftNIO DatagramBootstrap, fedns's socket options (recvmmsg 64, SO_REUSEPORT)",
    "posix": "recvmmsg/sendmmsg loop over Glibc, SO_REUSEPORT, batch {batch}",
}


def start_floor(directory: Path, kind: str, batch: int, workdir: Path) -> PinnedServer:
    """A floor responder of bench/dns/floors: one fixed A record for every query, one thread."""
    port = free_port()
    label = f"floor-{kind}" + (f"-{batch}" if kind == "posix" else "")
    command = [str(directory / f"{kind}-dns-floor"), "--port", str(port), "--threads", "1", "--batch", str(batch)]
    return start(label, command, port, workdir, f"anything.{ORIGIN}.")


def time_to_first_answer(command: list[str], port: int, probe: str, workdir: Path, label: str,
                         timeout: float = 3600) -> tuple[PinnedServer, float]:
    """Starts a server and polls it (UDP, every millisecond) until it answers `probe`: seconds from the process's
    start to its first correct answer, measured from outside (exec, runtime start, loading, compiling, binding)."""
    server = PinnedServer(label, command, port, workdir, ready=lambda: True)
    started = time.monotonic()
    server.start()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if answers_a(port, probe, timeout=0.001):
            return server, time.monotonic() - started
        if server.process.poll() is not None:
            raise SystemExit(f"{label} exited: {(workdir / f'{label}.log').read_text()}")
    server.stop()
    raise SystemExit(f"{label} did not answer {probe} within {timeout} s")
