"""ec2ssh, ec2scp, ec2sftp and ec2host end to end: real OpenSSH (an sshd the test starts on loopback addresses),
instances in moto (signature checking on) whose addresses are those loopback addresses, and the inventory from
AWS, from the snapshot, and from a running fedns."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fednsproc import FEDNS_BIN, Fedns
from sshdproc import Sshd, free_port, keygen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
import motolib  # noqa: E402

BIN_DIR = Path(os.environ.get("COMPANION_BIN_DIR") or Path(FEDNS_BIN).parent)

# name -> the private address of its instance; every one of them (and the public ones) is an sshd address.
PRIVATE = {"web-1": "127.0.1.10", "twin-old": "127.0.1.21", "twin-new": "127.0.1.22", "db-1": "127.0.1.30",
           "sleeper": "127.0.1.31", "pub-1": "127.0.1.40"}
PUBLIC = {"pub-1": "127.0.2.1"}
RECYCLED_IP = "127.0.2.2"  # moved from one instance to another by a test


@dataclass
class World:
    sshd: Sshd
    endpoint: str
    reader: dict  # ec2:Describe* only
    operator: dict  # may also start instances
    admin: dict
    ids: dict  # seed name -> instance id
    subnet: str
    ami: str
    root: Path
    config: Path = field(init=False)
    snapshot: Path = field(init=False)

    def ec2(self):
        import boto3

        return boto3.client("ec2", region_name="us-east-1", endpoint_url=self.endpoint,
                            aws_access_key_id=self.admin["access_key_id"],
                            aws_secret_access_key=self.admin["secret_access_key"])

    def write_config(self, path: Path, *, snapshot: Path, control_port: int | None = None, interval: int = 60,
                     companion: str = "") -> Path:
        """A configuration reading us-east-1 through AWS_ENDPOINT_URL; the control address is one where no fedns
        listens unless the test starts one there."""
        path.write_text(
            f'[control]\nlisten = "127.0.0.1:{control_port or free_port()}"\n\n'
            f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = {interval}\n'
            f'request_timeout = 2\nsnapshot = "{snapshot}"\n\n[companion]\n{companion}\n'
        )
        return path

    def env(self, *, keys: dict | None = None, config: Path | None = None, endpoint: str | None = None,
            path: str | None = None, **extra: str) -> dict:
        keys = self.reader if keys is None else keys
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        environment = {
            "PATH": path if path is not None else f"{BIN_DIR}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home), "LANG": "C.UTF-8", "FEDNS_CONFIG": str(config or self.config),
            "AWS_ENDPOINT_URL": endpoint or self.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
            **extra,
        }
        if keys:
            environment["AWS_ACCESS_KEY_ID"] = keys["access_key_id"]
            environment["AWS_SECRET_ACCESS_KEY"] = keys["secret_access_key"]
        return environment

    def run(self, command: str, *args: str, env: dict | None = None, timeout: float = 60,
            stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN_DIR / command), *args], env=env or self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=stdin)

    def ssh(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """ec2ssh with the test's client configuration (key, known_hosts, port, BatchMode)."""
        return self.run("ec2ssh", *self.leading(args), "-F", str(self.sshd.client_config), *self.trailing(args), **kwargs)

    @staticmethod
    def leading(args) -> list[str]:
        """The companion's own options at the front of args (they must precede the ssh options)."""
        result = []
        for index, arg in enumerate(args):
            if not arg.startswith("--"):
                break
            result.append(arg)
            if arg in ("--pick", "--config"):
                result.append(args[index + 1])
        return result

    @classmethod
    def trailing(cls, args) -> list[str]:
        return list(args[len(cls.leading(args)):])

    def id(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("companion")
    (root / "sshd").mkdir()
    sshd = Sshd(root / "sshd", addresses=[*PRIVATE.values(), *PUBLIC.values(), RECYCLED_IP])
    process, endpoint = motolib.start(root / "moto.log")
    try:
        iam = motolib.client(endpoint, "iam")
        reader = motolib.make_user(iam, "companion-reader", "ec2:Describe*")
        operator = motolib.make_user(iam, "companion-operator", "ec2:Describe*", "ec2:StartInstances")
        admin = motolib.make_user(iam, "companion-admin", "ec2:*")
        ec2 = motolib.client(endpoint, "ec2")
        ami = motolib.linux_ami(ec2)
        # A VPC on loopback, so the instances' addresses are where the test's sshd listens (reference §2.6).
        vpc = ec2.create_vpc(CidrBlock="127.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="127.0.1.0/24")["Subnet"]["SubnetId"]
        ids = {}
        for name, address in PRIVATE.items():
            tag = "twin" if name.startswith("twin") else name
            ids[name] = motolib.run(ec2, ami, tag, SubnetId=subnet, PrivateIpAddress=address)
            time.sleep(1.1 if name == "twin-old" else 0)  # launch times a second apart: "oldest first" is defined
        for name, address in PUBLIC.items():
            allocation = ec2.allocate_address(Domain="vpc", Address=address)["AllocationId"]
            ec2.associate_address(InstanceId=ids[name], AllocationId=allocation)
        ec2.stop_instances(InstanceIds=[ids["db-1"], ids["sleeper"]])
        motolib.reset_auth(endpoint)  # from here on only correctly signed requests by IAM users pass
        world = World(sshd, endpoint, reader, operator, admin, ids, subnet, ami, root)
        world.snapshot = root / "snapshot.json"
        world.config = world.write_config(root / "fedns.toml", snapshot=world.snapshot)
        yield world
    finally:
        sshd.stop()
        process.terminate()
        process.wait(10)


def server_address(result: subprocess.CompletedProcess) -> str:
    """The address sshd was reached on, from $SSH_CONNECTION (client-ip client-port server-ip server-port)."""
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[2]


# Running commands ----------------------------------------------------------------------------------------------


def test_ec2ssh_runs_a_remote_command_and_returns_its_status(world):
    assert server_address(world.ssh("web-1", "echo $SSH_CONNECTION")) == PRIVATE["web-1"]
    result = world.ssh("web-1", "--", "exit", "7")
    assert result.returncode == 7, result.stderr
    assert world.ssh("web-1.us-east-1.ec2", "true").returncode == 0
    assert server_address(world.ssh(world.id("web-1"), "echo $SSH_CONNECTION")) == PRIVATE["web-1"]


def test_arguments_with_spaces_reach_ssh_unchanged(world):
    # One argument holding a whole remote command: it arrives as one argument, quotes and spaces intact.
    result = world.ssh("web-1", "printf '%s\\n' 'a b' c")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a b\nc\n"
    # Several arguments: ssh joins them with spaces for the remote shell; ec2ssh must do exactly what ssh does.
    words = ("printf", "[%s]", "x  y", "'q z'", "$HOME")
    through_companion = world.ssh("web-1", *words)
    direct = world.sshd.ssh_direct(PRIVATE["web-1"], *words)
    assert through_companion.returncode == direct.returncode == 0, through_companion.stderr + direct.stderr
    assert through_companion.stdout == direct.stdout


def test_ec2scp_copies_both_ways_with_spaces_in_names(world, tmp_path):
    local = tmp_path / "local dir"
    local.mkdir()
    (local / "my file.txt").write_text("payload one\n")
    remote = tmp_path / "remote side"  # sshd runs here, so the "remote" path is a local directory too
    remote.mkdir()
    upload = world.run("ec2scp", "-F", str(world.sshd.client_config), str(local / "my file.txt"), f"web-1:{remote}/")
    assert upload.returncode == 0, upload.stderr
    assert (remote / "my file.txt").read_text() == "payload one\n"

    (remote / "back again.txt").write_text("payload two\n")
    download = world.run("ec2scp", "-F", str(world.sshd.client_config), f"web-1:{remote}/back again.txt", str(local))
    assert download.returncode == 0, download.stderr
    assert (local / "back again.txt").read_text() == "payload two\n"


def test_ec2sftp_runs_a_batch(world, tmp_path):
    (tmp_path / "up.txt").write_text("via sftp\n")
    target = tmp_path / "sftp-target"
    target.mkdir()
    batch = tmp_path / "batch"
    batch.write_text(f"cd {target}\nput {tmp_path / 'up.txt'} uploaded.txt\nls\n")
    result = world.run("ec2sftp", "-F", str(world.sshd.client_config), "-b", str(batch), "web-1")
    assert result.returncode == 0, result.stderr
    assert (target / "uploaded.txt").read_text() == "via sftp\n"
    assert "uploaded.txt" in result.stdout


# Choosing among instances --------------------------------------------------------------------------------------


def test_duplicates_are_refused_with_the_candidates_and_pick_chooses(world):
    refused = world.ssh("twin", "echo $SSH_CONNECTION")
    assert refused.returncode == 4
    assert refused.stdout == ""  # nothing ran
    assert "2 running instances are called twin" in refused.stderr and "--pick N" in refused.stderr
    rows = [line.split() for line in refused.stderr.splitlines() if re.match(r"^\d+\s", line)]
    assert [row[0] for row in rows] == ["1", "2"]
    assert {row[2] for row in rows} == {world.id("twin-old"), world.id("twin-new")}
    assert all("running" in row and "us-east-1" in row for row in rows)
    # The table's second row is the one --pick 2 reaches, and it is the newer instance.
    second_private_ip = next(cell for cell in rows[1] if cell.startswith("127.0.1."))
    assert rows[1][2] == world.id("twin-new")
    assert server_address(world.ssh("--pick", "2", "twin", "echo $SSH_CONNECTION")) == second_private_ip
    assert server_address(world.ssh("--first", "twin", "echo $SSH_CONNECTION")) == PRIVATE["twin-old"]
    assert server_address(world.ssh("--random", "twin", "echo $SSH_CONNECTION")) in (PRIVATE["twin-old"], PRIVATE["twin-new"])
    out_of_range = world.ssh("--pick", "3", "twin", "true")
    assert out_of_range.returncode == 4 and "--pick 3 is out of range" in out_of_range.stderr


def test_address_choice(world):
    assert server_address(world.ssh("pub-1", "echo $SSH_CONNECTION")) == PUBLIC["pub-1"]  # auto: public first
    assert server_address(world.ssh("--private", "pub-1", "echo $SSH_CONNECTION")) == PRIVATE["pub-1"]
    no_public = world.ssh("--public", "web-1", "true")
    assert no_public.returncode == 5
    assert no_public.stderr.strip() == f"ec2ssh: web-1 ({world.id('web-1')}) has no public IPv4 address; try --private"
    # The default can come from the configuration.
    config = world.write_config(world.root / "private.toml", snapshot=world.snapshot, companion='address = "private"')
    assert server_address(world.ssh("pub-1", "echo $SSH_CONNECTION", env=world.env(config=config))) == PRIVATE["pub-1"]


def test_host_key_alias_follows_the_instance_not_the_address(world, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    options = ("-o", f"UserKnownHostsFile={known_hosts}")
    assert world.ssh("web-1", *options, "true").returncode == 0
    entries = known_hosts.read_text().splitlines()
    assert [entry.split()[0] for entry in entries] == [world.id("web-1")]
    assert PRIVATE["web-1"] not in known_hosts.read_text()
    # Switched off: ssh files the key under the address again.
    assert world.ssh("--no-host-key-alias", "web-1", *options, "true").returncode == 0
    assert f"[{PRIVATE['web-1']}]:{world.sshd.port}" in known_hosts.read_text()

    # A replaced host key under the same instance id is the alarm it should be.
    other_key = keygen(tmp_path / "other", "not-the-host")
    key_type, key_data = Path(f"{other_key}.pub").read_text().split()[:2]
    known_hosts.write_text(f"{world.id('web-1')} {key_type} {key_data}\n")
    alarm = world.ssh("web-1", *options, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR", "true")
    assert alarm.returncode == 255
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in alarm.stderr


def test_a_recycled_address_is_a_new_host_for_the_host_key_check(world, tmp_path):
    ec2 = world.ec2()
    first = motolib.run(ec2, world.ami, "recycled-a", SubnetId=world.subnet, PrivateIpAddress="127.0.1.50")
    second = motolib.run(ec2, world.ami, "recycled-b", SubnetId=world.subnet, PrivateIpAddress="127.0.1.51")
    allocation = ec2.allocate_address(Domain="vpc", Address=RECYCLED_IP)["AllocationId"]
    association = ec2.associate_address(InstanceId=first, AllocationId=allocation)["AssociationId"]
    known_hosts = tmp_path / "known_hosts"
    options = ("-o", f"UserKnownHostsFile={known_hosts}")
    assert server_address(world.ssh("--refresh", "recycled-a", *options, "echo $SSH_CONNECTION")) == RECYCLED_IP
    # Plain ssh learns the address too, so the address alone is trusted from here on.
    assert world.sshd.ssh_direct(RECYCLED_IP, "true", extra=options).returncode == 0

    # The address moves to another instance: it is not trusted because the address is known...
    ec2.disassociate_address(AssociationId=association)
    ec2.associate_address(InstanceId=second, AllocationId=allocation)
    strict = world.ssh("--refresh", "recycled-b", *options, "-o", "StrictHostKeyChecking=yes", "true")
    assert strict.returncode == 255
    assert "Host key verification failed" in strict.stderr
    # ...and with the usual accept-new it is a new host, filed under its own id, without a false alarm.
    accepted = world.ssh("recycled-b", *options, "echo $SSH_CONNECTION")
    assert server_address(accepted) == RECYCLED_IP
    assert "IDENTIFICATION HAS CHANGED" not in accepted.stderr
    assert second in [line.split()[0] for line in known_hosts.read_text().splitlines()]


# Saying what is wrong ------------------------------------------------------------------------------------------


def test_unknown_names_suggest_close_matches(world):
    result = world.ssh("web1", "true")
    assert result.returncode == 2
    assert result.stderr == "ec2ssh: no EC2 instance is called web1; did you mean web-1?\n"
    scp = world.run("ec2scp", "x", "nowhere-at-all:/tmp")
    assert scp.returncode == 2
    assert scp.stderr == "ec2scp: no EC2 instance is called nowhere-at-all; ec2host lists the instances\n"


def test_a_stopped_instance_is_said_plainly(world):
    result = world.ssh("db-1", "true")
    assert result.returncode == 3
    first_line = result.stderr.splitlines()[0]
    assert first_line == "ec2ssh: db-1 is stopped, not running (ec2ssh --start db-1 starts it and waits until ssh answers):"
    assert world.id("db-1") in result.stderr


def test_print_shows_the_command_without_running_it(world):
    result = world.run("ec2ssh", "--print", "-p", "2222", "deploy@web-1", "echo", "a b")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ssh -o HostKeyAlias={world.id('web-1')} -p 2222 deploy@{PRIVATE['web-1']} echo 'a b'\n"
    copy = world.run("ec2scp", "--print", "--first", "my file", "twin:/tmp/")
    assert copy.stdout == f"scp -o HostKeyAlias={world.id('twin-old')} 'my file' {PRIVATE['twin-old']}:/tmp/\n"
    two = world.run("ec2scp", "--print", "web-1:a", "pub-1:b")
    assert two.stdout == f"scp {PRIVATE['web-1']}:a {PUBLIC['pub-1']}:b\n"
    assert "no HostKeyAlias added" in two.stderr


def test_no_ssh_on_path_is_one_line_and_127(world, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = world.ssh("web-1", "true", env=world.env(path=str(empty)))
    assert result.returncode == 127
    assert result.stderr.count("\n") == 1 and "ssh is not on PATH" in result.stderr
    config = world.write_config(tmp_path / "missing.toml", snapshot=world.snapshot, companion='scp = "/nonexistent/scp"')
    missing = world.run("ec2scp", "a", "web-1:b", env=world.env(config=config))
    assert missing.returncode == 127 and "/nonexistent/scp does not exist" in missing.stderr


def test_the_program_inherits_no_sockets_and_default_signals(world, tmp_path):
    fake = tmp_path / "fake-ssh"
    # Builtins only before reading the status: bash blocks SIGCHLD and ignores SIGQUIT while it runs a child.
    fake.write_text(
        "#!/bin/bash\nwhile read -r line; do case $line in Sig*) echo \"$line\";; esac; done < /proc/$$/status\n"
        "printf 'argv:%s\\n' \"$@\"\nls -l /proc/$$/fd\n"
    )
    fake.chmod(0o755)
    config = world.write_config(tmp_path / "fake.toml", snapshot=world.snapshot, companion=f'ssh = "{fake}"')
    result = world.run("ec2ssh", "web-1", "a b", env=world.env(config=config))
    assert result.returncode == 0, result.stderr
    assert "argv:a b\n" in result.stdout and f"argv:{PRIVATE['web-1']}\n" in result.stdout
    assert "socket:" not in result.stdout and "anon_inode:" not in result.stdout, result.stdout
    signals = dict(line.split(":") for line in result.stdout.splitlines() if line.startswith("Sig"))
    assert int(signals["SigBlk"], 16) == 0, "the program must start with no signal blocked"
    assert int(signals["SigIgn"], 16) & (1 << 12) == 0, "SIGPIPE must not stay ignored"


# Where the inventory comes from --------------------------------------------------------------------------------


def test_aws_then_snapshot(world, tmp_path):
    snapshot = tmp_path / "fresh-snapshot.json"
    config = world.write_config(tmp_path / "fresh.toml", snapshot=snapshot)
    env = world.env(config=config)
    first = world.run("ec2host", "--verbose", "web-1", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"{PRIVATE['web-1']}\n"
    assert "inventory from AWS" in first.stderr
    assert world.id("web-1") in snapshot.read_text()
    second = world.run("ec2host", "--verbose", "web-1", env=world.env(config=config, endpoint="http://127.0.0.1:9"))
    assert f"inventory from the snapshot {snapshot}" in second.stderr
    assert second.stdout == first.stdout


def test_aws_down_uses_the_stale_snapshot_and_says_its_age(world, tmp_path):
    snapshot = tmp_path / "old-snapshot.json"
    config = world.write_config(tmp_path / "old.toml", snapshot=snapshot)
    assert world.run("ec2host", "--refresh", env=world.env(config=config)).returncode == 0
    two_hours_ago = time.time() - 2 * 3600
    os.utime(snapshot, (two_hours_ago, two_hours_ago))
    down = world.env(config=config, endpoint=f"http://127.0.0.1:{free_port()}")
    result = world.ssh("web-1", "echo $SSH_CONNECTION", env=down)
    assert server_address(result) == PRIVATE["web-1"]
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "using the snapshot from 2 h ago" in warnings[0], result.stderr

    snapshot.unlink()
    nothing = world.ssh("web-1", "true", env=down)
    assert nothing.returncode == 6
    assert nothing.stderr.count("\n") == 1 and nothing.stderr.startswith("ec2ssh: no inventory: ")


def test_missing_credentials_are_one_line(world, tmp_path):
    config = world.write_config(tmp_path / "nocreds.toml", snapshot=tmp_path / "none.json")
    result = world.ssh("web-1", "true", env=world.env(config=config, keys={}))
    assert result.returncode == 6
    assert result.stderr.count("\n") == 1
    assert "no AWS credentials found" in result.stderr


def test_a_running_fedns_answers_first(world, tmp_path):
    fedns = Fedns(tmp_path / "fedns")
    text = fedns.config_path.read_text()
    fedns.config_path.write_text(
        text[: text.index("[discovery]")]
        + f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nsnapshot = ""\n'
    )
    fedns.environment = {"AWS_ACCESS_KEY_ID": world.reader["access_key_id"],
                         "AWS_SECRET_ACCESS_KEY": world.reader["secret_access_key"],
                         "AWS_ENDPOINT_URL": world.endpoint, "AWS_EC2_METADATA_DISABLED": "true"}
    fedns.start(wait=False)
    try:
        fedns.wait_until(lambda: json.loads(fedns.control("/v1/instances")[1])["loaded"], message="inventory loaded")
        # No credentials, AWS unreachable, no snapshot: only the server can answer.
        config = world.write_config(tmp_path / "via-server.toml", snapshot=tmp_path / "none.json",
                                    control_port=fedns.control_port)
        env = world.env(config=config, keys={}, endpoint=f"http://127.0.0.1:{free_port()}")
        result = world.ssh("--verbose", "web-1", "echo $SSH_CONNECTION", env=env)
        assert server_address(result) == PRIVATE["web-1"]
        assert f"inventory from the running server at 127.0.0.1:{fedns.control_port}" in result.stderr
        names = world.run("ec2host", "--names", env=env)
        assert "web-1" in names.stdout.split()
        # The server is asked for just the instances a name may mean, in each reading of it...
        assert world.run("ec2host", "web-1.us-east-1.ec2", env=env).stdout == f"{PRIVATE['web-1']}\n"
        assert world.run("ec2host", "twin", env=env).stdout.split() == [PRIVATE["twin-old"], PRIVATE["twin-new"]]
        assert world.run("ec2host", world.id("pub-1"), env=env).stdout == f"{PUBLIC['pub-1']}\n"
        # ...and for everything when that finds nothing, so close names can be suggested.
        unknown = world.ssh("web1", "true", env=env)
        assert unknown.returncode == 2 and unknown.stderr == "ec2ssh: no EC2 instance is called web1; did you mean web-1?\n"
    finally:
        fedns.stop()


# --start -------------------------------------------------------------------------------------------------------


def run_in_terminal(argv: list[str], env: dict, answer: str, timeout: float = 30) -> tuple[int, str]:
    """Runs a command on a pseudo-terminal, answers its prompt, and returns (status, everything it wrote)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    output = b""
    answered = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's last writer has exited
            chunk = b""
        if not chunk:
            _, status = os.waitpid(pid, 0)
            os.close(fd)
            return os.waitstatus_to_exitcode(status), output.decode(errors="replace")
        output += chunk
        if not answered and b"[y/N]" in output:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    raise AssertionError(f"{argv} did not finish:\n{output.decode(errors='replace')}")


def instance_state(world, name: str) -> str:
    reservations = world.ec2().describe_instances(InstanceIds=[world.id(name)])["Reservations"]
    return reservations[0]["Instances"][0]["State"]["Name"]


def test_start_asks_on_a_terminal_and_respects_no(world):
    argv = [str(BIN_DIR / "ec2ssh"), "--start", "-F", str(world.sshd.client_config), "db-1", "true"]
    status, output = run_in_terminal(argv, world.env(keys=world.operator), answer="n")
    assert status == 3, output
    assert f"db-1 ({world.id('db-1')}, us-east-1) is stopped. Start it?" in output
    assert "was not started" in output
    assert instance_state(world, "db-1") == "stopped"


def test_start_without_permission_fails_in_one_line(world):
    result = world.ssh("--start", "db-1", "true")  # the reader may not start instances
    assert result.returncode == 8
    failure = result.stderr.splitlines()[-1]
    assert failure.startswith(f"ec2ssh: EC2 did not start db-1 ({world.id('db-1')}, us-east-1): ec2:StartInstances")
    assert "ec2:StartInstances" in failure.split("failed", 1)[1], failure  # the advice names the permission
    assert instance_state(world, "db-1") == "stopped"


def test_start_starts_waits_for_ssh_and_connects(world):
    args = ("--start", "--refresh", "-p", str(world.sshd.port), "sleeper", "echo $SSH_CONNECTION")
    result = world.ssh(*args, env=world.env(keys=world.operator))
    assert server_address(result) == PRIVATE["sleeper"]
    assert "ec2ssh: starting sleeper" in result.stderr
    assert f"ec2ssh: sleeper is running at {PRIVATE['sleeper']}; waiting until port {world.sshd.port} answers" in result.stderr
    assert instance_state(world, "sleeper") == "running"


# ec2host ---------------------------------------------------------------------------------------------------------


def test_ec2host_lists_and_resolves(world):
    table = world.run("ec2host")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["NAME", "INSTANCE", "STATE", "REGION"]
    listed = {line.split()[1]: line.split()[0] for line in lines[1:]}
    assert listed[world.id("web-1")] == "web-1" and listed[world.id("db-1")] == "db-1"
    assert [line.split()[0] for line in lines[1:]] == sorted(line.split()[0] for line in lines[1:])

    document = json.loads(world.run("ec2host", "--json").stdout)
    by_id = {instance["id"]: instance for instance in document["instances"]}
    assert by_id[world.id("pub-1")]["public_ipv4"] == PUBLIC["pub-1"]
    assert by_id[world.id("pub-1")]["private_ipv4"] == [PRIVATE["pub-1"]]

    assert world.run("ec2host", "pub-1").stdout == f"{PUBLIC['pub-1']}\n"
    assert world.run("ec2host", "--private", "pub-1").stdout == f"{PRIVATE['pub-1']}\n"
    both = world.run("ec2host", "twin").stdout.split()
    assert both == [PRIVATE["twin-old"], PRIVATE["twin-new"]]
    assert world.run("ec2host", "--pick", "2", "twin").stdout.split() == [PRIVATE["twin-new"]]
    unknown = world.run("ec2host", "db1")
    assert unknown.returncode == 2 and "did you mean db-1?" in unknown.stderr


def test_ec2host_names_never_ask_aws(world, tmp_path):
    config = world.write_config(tmp_path / "names.toml", snapshot=tmp_path / "names-snapshot.json")
    env = world.env(config=config)  # AWS would answer, but --names must not ask it
    cold = world.run("ec2host", "--names", env=env)
    assert cold.returncode == 6 and cold.stdout == "" and not (tmp_path / "names-snapshot.json").exists()
    assert world.run("ec2host", "--refresh", env=env).returncode == 0
    names = world.run("ec2host", "--names", env=env).stdout.split()
    assert names == sorted(set(names)) and {"web-1", "twin", "db-1", "pub-1"} <= set(names)


# Terminal title ------------------------------------------------------------------------------------------------


def fake_ssh_config(world, tmp_path, companion: str = "") -> Path:
    fake = tmp_path / "fake-ssh"
    fake.write_text("#!/bin/sh\necho fake-ssh-ran\n")
    fake.chmod(0o755)
    return world.write_config(tmp_path / "title.toml", snapshot=world.snapshot, companion=f'ssh = "{fake}"\n{companion}')


def test_title_on_a_terminal_is_osc_0(world, tmp_path):
    config = fake_ssh_config(world, tmp_path)
    env = world.env(config=config)
    env.pop("TMUX", None)
    status, output = run_in_terminal([str(BIN_DIR / "ec2ssh"), "--title", "web-1"], env, answer="")
    assert status == 0 and "fake-ssh-ran" in output
    assert "\x1b]0;ec2:web-1\x07" in output
    status, output = run_in_terminal([str(BIN_DIR / "ec2ssh"), "web-1"], env, answer="")
    assert status == 0 and "\x1b]0;" not in output  # off unless asked


def tmux(socket: str, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                          env=env, timeout=20, check=True).stdout


def wait_for(condition, timeout: float = 15, message: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{message}: not met within {timeout} s (last: {last!r})")


def test_title_inside_tmux_names_the_window(world, tmp_path):
    config = fake_ssh_config(world, tmp_path, companion="title = true")
    socket = f"companion-title-{os.getpid()}"
    env = world.env(config=config)
    try:
        tmux(socket, "new-session", "-d", "-s", "t", "-x", "120", "-y", "20",
             f"{BIN_DIR / 'ec2ssh'} web-1; sleep 30", env=env)
        wait_for(lambda: tmux(socket, "display-message", "-p", "-t", "t", "#W").strip() == "ec2:web-1",
                 message="the tmux window is named ec2:web-1")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


# Shell completion ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def completion_env(world):
    """The environment of an interactive shell: the commands on PATH, and a warm snapshot to complete from."""
    env = world.env()
    assert world.run("ec2host", "--refresh", env=env).returncode == 0
    return env


def complete_in_tmux(world, env, shell: list[str], setup: list[str], typed: str) -> str:
    """Types `typed` and Tab into an interactive shell in tmux and returns the line as the shell completed it."""
    socket = f"companion-complete-{os.getpid()}-{time.monotonic_ns()}"
    try:
        tmux(socket, "new-session", "-d", "-s", "c", "-x", "200", "-y", "30", *shell, env={**env, "PS1": "$ "})
        for line in setup:
            tmux(socket, "send-keys", "-t", "c", line, "Enter")
        tmux(socket, "send-keys", "-t", "c", "clear", "Enter")
        wait_for(lambda: tmux(socket, "capture-pane", "-p", "-t", "c").strip() in ("$", "%", "#", ">"),
                 message="a clean prompt")
        tmux(socket, "send-keys", "-t", "c", typed, "Tab")

        def completed() -> str | None:
            pane = tmux(socket, "capture-pane", "-p", "-t", "c")
            line = next((line for line in pane.splitlines() if typed in line), "")
            return line.strip() if line.rstrip() != line.split(typed)[0] + typed else None

        try:
            return wait_for(completed, timeout=5, message=f"completion of {typed!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}; the screen:\n{tmux(socket, 'capture-pane', '-p', '-t', 'c')}") from None
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def test_bash_completion(world, completion_env):
    setup = ["source <(ec2host --completion bash)"]
    shell = ["bash", "--norc", "--noprofile", "-i"]
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2ssh we").endswith("ec2ssh web-1")
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2ssh -i key me@pu").endswith("ec2ssh -i key me@pub-1")
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2scp ./x db").endswith("ec2scp ./x db-1:")


def test_zsh_completion(world, completion_env):
    setup = ["autoload -Uz compinit && compinit -u -D", "source <(ec2host --completion zsh)"]
    shell = ["zsh", "-f", "-i"]
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2ssh we").endswith("ec2ssh web-1")
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2sftp me@pu").endswith("ec2sftp me@pub-1")
    assert complete_in_tmux(world, completion_env, shell, setup, "ec2scp ./x db").endswith("ec2scp ./x db-1:")


def test_fish_completion(world, completion_env, tmp_path):
    def complete(line: str) -> list[str]:
        script = f"ec2host --completion fish | source; complete -C {json.dumps(line)}"
        # In an empty directory: fish offers matching file names where our completion offers nothing.
        result = subprocess.run(["fish", "--no-config", "-c", script], env=completion_env, capture_output=True,
                                text=True, timeout=30, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return [candidate.split("\t")[0] for candidate in result.stdout.splitlines()]

    assert complete("ec2ssh we") == ["web-1"]
    assert complete("ec2ssh -p 22 root@tw") == ["root@twin"]
    assert complete("ec2ssh web-1 we") == []  # after the destination comes the remote command
    assert "db-1:" in complete("ec2scp ./file d")
    assert complete("ec2host pu") == ["pub-1"]
