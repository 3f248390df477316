"""The real chain, no wrapper: in a network namespace of its own, fedns on port 53 and HTTPS on port 443 (started
as root, dropped to nobody once both are bound), /etc/netns/NAME/resolv.conf pointing at it, moto and an sshd on loopback; then plain `getent hosts`
and plain `ssh` reach the instance by name through the system resolver. Also: SIGHUP under dnsperf load loses
no query, SIGTERM exits 0 with the snapshot written, and `fedns doctor` passes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from fedhttps import BOB, PKI
from fednsproc import FEDNS_BIN, wait_until

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moto"
INSTANCE_IP = "127.0.1.10"


class Namespace:
    """A network namespace with its own loopback and resolv.conf, removed at the end."""

    def __init__(self):
        self.name = f"fedns-{uuid.uuid4().hex[:8]}"
        self.etc = Path("/etc/netns") / self.name
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.run(["ip", "link", "set", "lo", "up"], check=True)
        self.etc.mkdir(parents=True)
        (self.etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:2\n")
        self.processes: list[subprocess.Popen] = []

    def command(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 60)
        return subprocess.run(self.command(argv), **kwargs)

    def start(self, argv: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(self.command(argv), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def close(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.kill()
                process.wait(10)
        subprocess.run(["ip", "netns", "del", self.name])
        shutil.rmtree(self.etc, ignore_errors=True)


SEED = """
import sys
sys.path.insert(0, {fixtures!r})
import motolib
endpoint = sys.argv[1]
iam = motolib.client(endpoint, "iam")
ec2 = motolib.client(endpoint, "ec2", "us-east-1")
vpc = ec2.create_vpc(CidrBlock="127.0.0.0/16")["Vpc"]
subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="127.0.1.0/24")["Subnet"]
motolib.run(ec2, motolib.linux_ami(ec2), "appserver-1", SubnetId=subnet["SubnetId"], PrivateIpAddress={ip!r})
print(motolib.json.dumps(motolib.make_user(iam, "fedns-reader", "ec2:Describe*")))
motolib.reset_auth(endpoint)
"""


@pytest.fixture(scope="module")
def chain():
    if os.geteuid() != 0:
        pytest.fail("the system-chain test needs root (network namespaces, port 53, sshd, dropping privileges)")
    for tool in ("ip", "sshd", "ssh", "ssh-keygen", "getent", "dnsperf"):
        assert shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists(), f"{tool} is not installed (Tests/setup/install-test-deps.sh)"
    namespace = Namespace()
    # A directory nobody can read and write: fedns runs as nobody after binding port 53.
    work = Path(tempfile.mkdtemp(prefix="fedns-chain-"))
    work.chmod(0o755)
    try:
        # moto, seeded from inside the namespace.
        moto_log = work / "moto.log"
        namespace.start([sys.executable, str(FIXTURES / "run_moto.py"), "-H", "127.0.0.1", "-p", "5000"], moto_log)
        endpoint = "http://127.0.0.1:5000"
        wait_until(lambda: namespace.run(["curl", "-sf", f"{endpoint}/moto-api/"]).returncode == 0, 30, "moto up",
                   lambda: moto_log.read_text())
        seeded = namespace.run([sys.executable, "-c", SEED.format(fixtures=str(FIXTURES), ip=INSTANCE_IP), endpoint])
        assert seeded.returncode == 0, seeded.stderr
        reader = json.loads(seeded.stdout.strip().splitlines()[-1])

        # sshd on the instance's address, with throwaway keys.
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)], check=True)
        (work / "authorized_keys").write_text((work / "user_key.pub").read_text())
        Path("/run/sshd").mkdir(exist_ok=True)
        sshd_config = work / "sshd_config"
        sshd_config.write_text(
            f"ListenAddress {INSTANCE_IP}:22\nHostKey {work / 'host_key'}\nAuthorizedKeysFile {work / 'authorized_keys'}\n"
            f"PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPidFile {work / 'sshd.pid'}\n")
        sshd_log = work / "sshd.log"
        namespace.start([shutil.which("sshd") or "/usr/sbin/sshd", "-D", "-e", "-f", str(sshd_config)], sshd_log)

        # fedns on ports 53 and 443, started as root, serving as nobody.
        snapshot = work / "cache" / "snapshot.json"
        snapshot.parent.mkdir(mode=0o777)
        snapshot.parent.chmod(0o777)
        pki = PKI(work / "pki")
        root = pki.root("Chain Root")
        leaf = pki.issue("localhost", root, ["localhost"], valid_days=25)
        certificate, key = pki.write("site.pem", leaf), pki.write_key("site-key.pem", leaf)
        ca = pki.write("ca.pem", root)
        config = work / "fedns.toml"
        config.write_text(
            '[dns]\nlisten = ["127.0.0.1:53"]\n\n[process]\nuser = "nobody"\n\n'
            f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 2\nsnapshot = "{snapshot}"\n'
            f'ec2_endpoint = "{endpoint}"\n\n'
            f'[federation]\nlisten = "127.0.0.1:443"\ncertificate = "{certificate}"\nprivate_key = "{key}"\nca_file = "{ca}"\n'
            f'domains = ["localhost"]\nstore = "sqlite:{snapshot.parent / "addresses.sqlite"}"\n')
        added = subprocess.run([FEDNS_BIN, "federation", "add", "bob*localhost", BOB, "--config", str(config)],
                               capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        # What the server reads after dropping privileges (the address book, certificates on reload) is nobody's.
        for path in [*snapshot.parent.iterdir(), *pki.directory.iterdir()]:
            os.chown(path, 65534, 65534)
        environment = {
            "AWS_ACCESS_KEY_ID": reader["access_key_id"], "AWS_SECRET_ACCESS_KEY": reader["secret_access_key"],
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        fedns_log = work / "fedns.log"
        fedns = namespace.start([FEDNS_BIN, "serve", "--config", str(config)], fedns_log, env=environment)
        wait_until(lambda: "appserver-1.ec2" in namespace.run(["getent", "hosts", "appserver-1.ec2"]).stdout, 30,
                   "appserver-1.ec2 resolving through the system resolver", lambda: fedns_log.read_text())
        yield {"ns": namespace, "work": work, "fedns": fedns, "log": fedns_log, "snapshot": snapshot,
               "config": config, "env": environment}
    finally:
        namespace.close()
        shutil.rmtree(work, ignore_errors=True)


def test_getent_resolves_through_the_system_resolver(chain):
    result = chain["ns"].run(["getent", "hosts", "appserver-1.ec2"])
    assert result.returncode == 0
    assert result.stdout.split() == [INSTANCE_IP, "appserver-1.ec2"]
    assert chain["ns"].run(["getent", "hosts", "nope.ec2"]).returncode != 0


def test_plain_ssh_reaches_the_instance_by_name(chain):
    work = chain["work"]
    result = chain["ns"].run([
        "ssh", "-i", str(work / "user_key"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
        "-o", f"UserKnownHostsFile={work / 'known_hosts'}", "-l", "root", "appserver-1.ec2",
        "echo reached $(hostname -I 2>/dev/null || true)",
    ])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("reached")


def test_privileges_were_dropped_after_binding_port_53(chain):
    # `ip netns exec` execs the command, so the process started is fedns itself.
    status = Path(f"/proc/{chain['fedns'].pid}/status").read_text()
    assert "fedns" in Path(f"/proc/{chain['fedns'].pid}/cmdline").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1:] == ["65534"] * 4, chain["log"].read_text()  # nobody: real, effective, saved, fs
    assert "privileges dropped" in chain["log"].read_text()


def test_https_on_port_443_was_bound_before_privileges_dropped(chain):
    """Both privileged listeners bind before the switch to nobody: DNS before the service group starts, HTTPS
    inside it (the drop waits for it)."""
    ca = chain["work"] / "pki" / "ca.pem"
    result = chain["ns"].run(["curl", "-sS", "--cacert", str(ca), "https://localhost/federation?type=name&q=bob*localhost"])
    assert result.returncode == 0, result.stderr + chain["log"].read_text()
    assert json.loads(result.stdout)["account_id"] == BOB
    log = chain["log"].read_text()
    assert log.index("HTTPS listening") < log.index("privileges dropped"), log


def test_doctor_passes_every_link(chain):
    result = chain["ns"].run([FEDNS_BIN, "doctor", "--config", str(chain["config"])], env={**os.environ, **chain["env"]})
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("config", "server", "routing", "credentials", "aws", "tls"):
        assert re.search(rf"^ok\s+{name}\b", result.stdout, re.M), result.stdout


def test_sighup_under_load_loses_no_query(chain):
    queries = chain["work"] / "queries.txt"
    queries.write_text("appserver-1.ec2 A\nnope.ec2 A\nec2 SOA\n")
    load = subprocess.Popen(chain["ns"].command(
        ["dnsperf", "-s", "127.0.0.1", "-p", "53", "-d", str(queries), "-l", "6", "-Q", "3000", "-t", "2"]),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    for _ in range(5):
        chain["fedns"].send_signal(signal.SIGHUP)
        time.sleep(0.7)
    output = load.communicate(timeout=60)[0]
    completed = int(re.search(r"Queries completed:\s+(\d+)", output).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", output).group(1))
    assert completed > 10000, output
    assert lost == 0, output
    assert chain["log"].read_text().count("reloading") >= 5


def test_sigterm_exits_zero_with_the_snapshot_written(chain):
    snapshot = chain["snapshot"]
    snapshot.unlink(missing_ok=True)
    chain["fedns"].send_signal(signal.SIGTERM)
    assert chain["fedns"].wait(20) == 0, chain["log"].read_text()[-3000:]
    saved = json.loads(snapshot.read_text())
    assert [instance["name"] for instance in saved["instances"]] == ["appserver-1"]
