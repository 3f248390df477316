"""The federation endpoint under test: certificates made here, fedns with a [federation] section, HTTPS clients,
and a throwaway PostgreSQL server for the replicated store."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fednsproc import FEDNS_BIN, Fedns, free_port

BOB = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
ALICE = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
CAROL = "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU"


def seconds_until(condition, timeout: float = 5, every: float = 0.02) -> float:
    """How long until `condition` held (polling every `every` seconds); fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


class Issued:
    """A certificate and its key."""

    def __init__(self, certificate: x509.Certificate, key):
        self.certificate = certificate
        self.key = key

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    @property
    def common_name(self) -> str:
        return self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


class PKI:
    """Roots, intermediates and server certificates made by the test, written as PEM files."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def _name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def root(self, name: str) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(self._name(name)).issuer_name(self._name(name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(key, hashes.SHA256()))
        return Issued(certificate, key)

    def issue(self, name: str, issuer: Issued, dns_names: list[str] | None = None, *, rsa_key: bool = False,
              valid_days: float = 10, starts_in_days: float = -1 / 24) -> Issued:
        """An intermediate CA without `dns_names`, else a server certificate (RSA when asked, else P-256)."""
        key = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder().subject_name(self._name(name)).issuer_name(issuer.certificate.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=starts_in_days))
            .not_valid_after(now + datetime.timedelta(days=valid_days)))
        if dns_names:
            sans = [x509.DNSName(n) for n in dns_names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = (builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        else:
            builder = (builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                       .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                      critical=True))
        return Issued(builder.sign(issuer.key, hashes.SHA256()), key)

    def write(self, name: str, *certificates: Issued) -> Path:
        path = self.directory / name
        self._replace(path, b"".join(c.pem for c in certificates))
        return path

    def write_key(self, name: str, issued: Issued) -> Path:
        path = self.directory / name
        self._replace(path, issued.key_pem)
        return path

    @staticmethod
    def _replace(path: Path, data: bytes) -> None:
        # Written aside and renamed, as certificate tools do.
        temporary = path.with_name("." + path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)


def tls_socket(port: int, ca, timeout: float = 5) -> ssl.SSLSocket:
    """A raw TLS connection to the endpoint on `port`, for tests that write bytes HTTP clients would not."""
    context = ssl.create_default_context(cafile=str(ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return context.wrap_socket(raw, server_hostname="localhost")


class FederationServer(Fedns):
    """fedns with DNS (as every fedns) and a [federation] section on a port of its own."""

    def __init__(self, workdir: Path, *, certificates: list[tuple[Path, Path]], ca_file: Path | None, domains: list[str],
                 store: str | None = None, federation_extra: str = "", https_port: int | None = None):
        self.https_port = https_port or free_port(socket.SOCK_STREAM)
        main, *extra = certificates
        lines = [
            "[federation]",
            f'listen = "127.0.0.1:{self.https_port}"',
            f'certificate = "{main[0]}"',
            f'private_key = "{main[1]}"',
            "domains = [" + ", ".join(f'"{d}"' for d in domains) + "]",
            f'store = "{store or "sqlite:" + str(workdir / "addresses.db")}"',
        ]
        if ca_file:
            lines.append(f'ca_file = "{ca_file}"')
        if extra:
            lines.append("extra_certificates = [" + ", ".join(
                f'{{ certificate = "{c}", private_key = "{k}" }}' for c, k in extra) + "]")
        super().__init__(workdir, extra_config="\n".join(lines) + "\n" + federation_extra)

    def wait_ready(self, timeout: float = 20.0) -> None:
        super().wait_ready(timeout)
        self.wait_until(self._https_accepts, timeout, "HTTPS listening")

    def _https_accepts(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
            return True

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """`fedns federation ARGS --config` this server's configuration."""
        return subprocess.run([FEDNS_BIN, "federation", *args, "--config", str(self.config_path)],
                              capture_output=True, text=True, timeout=timeout)

    def connection(self, ca_file: Path, server_name: str = "localhost", timeout: float = 5) -> http.client.HTTPSConnection:
        """A keep-alive HTTPS connection verifying against `ca_file`, asking for `server_name` by SNI."""
        context = ssl.create_default_context(cafile=str(ca_file))
        connection = http.client.HTTPSConnection(server_name, self.https_port, context=context, timeout=timeout)
        # Resolve to loopback whatever the name: the SNI and Host are what is under test.
        connection._create_connection = lambda address, *rest, **kw: socket.create_connection(  # type: ignore[attr-defined]
            ("127.0.0.1", self.https_port), *rest, **kw)
        return connection

    def get(self, ca_file: Path, path: str, host: str = "localhost", method: str = "GET",
            headers: dict | None = None) -> tuple[int, dict, bytes]:
        """One request on a fresh connection; returns status, headers (lower-case names) and body."""
        connection = self.connection(ca_file, host)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def curl(self, *args: str, ca_file: Path, host: str = "localhost") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["curl", "-sS", "--cacert", str(ca_file), "--resolve", f"{host}:{self.https_port}:127.0.0.1", *args],
            capture_output=True, timeout=20)

    def s_client(self, *args: str, server_name: str = "localhost", ca_file: Path | None = None) -> str:
        """openssl s_client's report of one handshake."""
        command = ["openssl", "s_client", "-connect", f"127.0.0.1:{self.https_port}", "-servername", server_name, *args]
        if ca_file:
            command += ["-CAfile", str(ca_file)]
        result = subprocess.run(command, input="", capture_output=True, text=True, timeout=20)
        return result.stdout + result.stderr


def peer_issuer(connection: http.client.HTTPSConnection) -> str:
    """The common name of the issuer of the certificate the server presented on this connection."""
    der = connection.sock.getpeercert(binary_form=True)
    certificate = x509.load_der_x509_certificate(der)
    return certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


class PostgresServer:
    """A throwaway PostgreSQL server on a loopback port. initdb and postgres refuse to run as root, so under root
    they run as `nobody`, which owns the data directory."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port(socket.SOCK_STREAM)
        self.bindir = self._binaries()
        self.run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []

    @staticmethod
    def _binaries() -> str:
        try:
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
            if os.access(os.path.join(bindir, "initdb"), os.X_OK):
                return bindir
        except FileNotFoundError:
            pass
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True)
        if not versions:
            raise RuntimeError("PostgreSQL server binaries not found; run Tests/setup/install-test-deps.sh")
        return str(versions[0].parent)

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.run_as, os.path.join(self.bindir, tool), *args], check=True, capture_output=True,
                       cwd=self.directory, timeout=120)

    def start(self) -> "PostgresServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "pwfile").write_text("secret\n")
        if self.run_as:
            shutil.chown(self.directory, "nobody", "nogroup")
            os.chmod(self.directory, 0o700)
            shutil.chown(self.directory / "pwfile", "nobody", "nogroup")
        # /tmp itself must be enterable by nobody (pytest's tmp dirs are 0700 under root).
        for parent in self.directory.parents:
            if parent == Path("/tmp") or parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
        self._run("initdb", "-D", str(self.directory / "data"), "-U", "fedns", "--pwfile", str(self.directory / "pwfile"),
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        self.start_server()
        return self

    def start_server(self) -> None:
        """Starts the server on the existing data directory (after `start`, again after `stop_server`)."""
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.directory} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-l", str(self.directory / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop_server(self) -> None:
        """Stops the server as an operator's restart does (fast: sessions are ended), keeping the data."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        # Over the Unix socket in the data directory, where local connections are trusted.
        self._run("createdb", "-h", str(self.directory), "-p", str(self.port), "-U", "fedns", name)
        return f"postgres://fedns:secret@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")
        except Exception:
            pass
