"""A real OpenSSH server for the companion commands' end-to-end tests: sshd on loopback addresses of the test's
choosing, one port, a throwaway host key and user key, and a client configuration (`ssh -F`) that trusts nothing
but that key and never prompts."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself, so it must be started by its absolute path


def keygen(path: Path, comment: str, key_type: str = "ed25519") -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Sshd:
    """sshd listening on every address in `addresses` (all 127.x), on one port."""

    def __init__(self, workdir: Path, addresses: list[str], host_key_types: tuple[str, ...] = ("ed25519",)):
        if os.geteuid() != 0:
            raise RuntimeError("the OpenSSH end-to-end tests start sshd and must run as root (as CI does)")
        self.workdir = workdir
        self.addresses = addresses
        self.port = free_port()
        self.user = getpass.getuser()
        self.host_keys = [keygen(workdir / f"host_{kind}", "companion-test-host", kind) for kind in host_key_types]
        self.host_key = self.host_keys[0]
        self.user_key = keygen(workdir / "user_ed25519", "companion-test-user")
        (workdir / "authorized_keys").write_text(Path(f"{self.user_key}.pub").read_text())
        self.known_hosts = workdir / "known_hosts"
        self.log_path = workdir / "sshd.log"
        config = workdir / "sshd_config"
        listen = "".join(f"ListenAddress {address}:{self.port}\n" for address in addresses)
        config.write_text(
            listen
            + "".join(f"HostKey {key}\n" for key in self.host_keys)
            + f"AuthorizedKeysFile {workdir / 'authorized_keys'}\n"
            f"PidFile {workdir / 'sshd.pid'}\n"
            "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nSubsystem sftp internal-sftp\nLogLevel VERBOSE\n"
        )
        # The client side: only this key, this known_hosts, no prompts, and no system-wide ssh_config (-F).
        self.client_config = workdir / "ssh_config"
        self.client_config.write_text(
            "Host *\n"
            f"  User {self.user}\n  Port {self.port}\n  IdentityFile {self.user_key}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {self.known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
            "  StrictHostKeyChecking accept-new\n  HashKnownHosts no\n  CheckHostIP no\n  BatchMode yes\n"
            "  ConnectTimeout 5\n  LogLevel ERROR\n"
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # the privilege-separation directory sshd insists on
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.addresses)
        while pending and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                socket.create_connection((pending[0], self.port), timeout=0.5).close()
                pending.pop(0)
            except OSError:
                time.sleep(0.05)
        if pending:
            raise RuntimeError(f"sshd is not listening on {pending} after {timeout} s:\n{self.log_text()}")

    def public_host_keys(self) -> list[str]:
        """The host keys as `TYPE BASE64 COMMENT` lines, as cloud-init prints them."""
        return [Path(f"{key}.pub").read_text().strip() for key in self.host_keys]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def ssh_direct(self, address: str, *command: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """Plain ssh to an address, for comparing with what the companion does."""
        return subprocess.run(["ssh", "-F", str(self.client_config), *extra, address, *command],
                              capture_output=True, text=True, timeout=30)
