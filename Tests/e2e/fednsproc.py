"""Start and stop the real fedns binary for end-to-end tests, on loopback ports the test picks."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode

FEDNS_BIN = os.environ.get("FEDNS_BIN") or str(Path(__file__).resolve().parents[2] / ".build" / "debug" / "fedns")


def free_port(kind: int = socket.SOCK_DGRAM, host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP right now (fedns binds both on one port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port found")


def instance(
    instance_id: str,
    name: str | None = None,
    *,
    state: str = "running",
    region: str = "eu-west-1",
    private: list[str] | None = None,
    public: str | None = None,
    ipv6: list[str] | None = None,
    itype: str = "t3.micro",
) -> dict:
    record = {
        "id": instance_id,
        "state": state,
        "region": region,
        "az": region + "a",
        "type": itype,
        "private_ipv4": private or [],
        "ipv6": ipv6 or [],
        "launched": "2026-11-01T10:00:00Z",
        "tags": {"Name": name} if name is not None else {},
    }
    if name is not None:
        record["name"] = name
    if public is not None:
        record["public_ipv4"] = public
    return record


class Fedns:
    """One fedns process with its own config, inventory file and log."""

    def __init__(self, workdir: Path, *, dns_extra: str = "", instances: list[dict] | None = None,
                 hosts: tuple[str, ...] = ("127.0.0.1",), extra_config: str = ""):
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.listen = [f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}" for host in hosts]
        self.inventory_path = workdir / "inventory.json"
        self.write_inventory(instances if instances is not None else [])
        self.config_path = workdir / "fedns.toml"
        self.control_port = free_port()
        listen_toml = ", ".join(f'"{address}"' for address in self.listen)
        # [discovery] comes last: tests that switch to the AWS source replace everything from it on.
        self.config_path.write_text(
            f"[dns]\nlisten = [{listen_toml}]\n{dns_extra}\n"
            f'[control]\nlisten = "127.0.0.1:{self.control_port}"\n\n'
            f'[discovery]\nsource = "file"\nfile = "{self.inventory_path}"\n{extra_config}'
        )
        self.log_path = workdir / "fedns.log"
        self.process: subprocess.Popen | None = None
        # Extra environment variables for the process (AWS keys, endpoints...).
        self.environment: dict[str, str] = {}

    def write_inventory(self, instances: list[dict]) -> None:
        temporary = self.inventory_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"format": 1, "instances": instances}, indent=1))
        os.replace(temporary, self.inventory_path)

    def start(self, *args: str, wait: bool = True) -> "Fedns":
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [FEDNS_BIN, "serve", "--config", str(self.config_path), *args],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **self.environment},
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"fedns exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                self.query("ec2.", "SOA", timeout=0.5)
                return
            except Exception:
                time.sleep(0.1)
        raise AssertionError(f"fedns did not answer within {timeout} s:\n{self.log_text()}")

    def wait_until(self, condition, timeout: float = 20, message: str = "condition") -> None:
        """Polls `condition`; fails with the server's log if it never holds."""
        wait_until(condition, timeout, message, lambda: f"(alive: {self.alive()})\n{self.log_text()[-6000:]}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"fedns did not stop on {sig}:\n{self.log_text()}")
        self.log.close()
        return self.process.returncode

    # Clients -----------------------------------------------------------------------------------------------

    def query(self, name: str, rdtype: str = "A", *, tcp: bool = False, timeout: float = 2.0,
              host: str = "127.0.0.1", **make_query_args) -> dns.message.Message:
        message = dns.message.make_query(name, rdtype, **make_query_args)
        if tcp:
            return dns.query.tcp(message, host, port=self.port, timeout=timeout)
        return dns.query.udp(message, host, port=self.port, timeout=timeout, ignore_trailing=True)

    def dig(self, *args: str, tool: str = "dig") -> str:
        result = subprocess.run(
            [tool, "@127.0.0.1", "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=20,
        )
        return result.stdout + result.stderr

    def control(self, path: str) -> tuple[int, bytes]:
        """GET on the control endpoint: (status, body)."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.control_port}{path}", timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def run_cli(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run([FEDNS_BIN, *args], capture_output=True, text=True, timeout=timeout)


def wait_until(condition, timeout: float = 20, message: str = "condition", describe=lambda: "") -> None:
    """Polls `condition` every 0.1 s (exceptions count as false) until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{message}: not met within {timeout} s {describe()}")


def answers(response: dns.message.Message) -> list[str]:
    """Answer RDATA as text, sorted (the order of a shared name rotates)."""
    return sorted(rdata.to_text() for rrset in response.answer for rdata in rrset)


def rcode(response: dns.message.Message) -> str:
    return dns.rcode.to_text(response.rcode())


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, matching every given label."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(rf"{re.escape(name)}(\{{(.*)\}})?\s+(\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    return None
