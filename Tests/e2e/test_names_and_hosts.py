"""Names from tags, the nth member, jump hosts, verified host keys, ssh_config and SSO / web identity, end to end:
a real sshd on loopback addresses (with two host keys), instances in moto with those addresses, a proxy in front of
moto that answers GetConsoleOutput with cloud-init's block carrying the sshd's real host keys, the release binaries,
and plain OpenSSH, rsync and dig as the clients. Run as root (sshd)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from faultproxy import FaultProxy, cloud_init_console
from fednsproc import FEDNS_BIN, Fedns, wait_until
from sshdproc import Sshd, free_port, keygen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
import motolib  # noqa: E402

BIN_DIR = Path(os.environ.get("COMPANION_BIN_DIR") or Path(FEDNS_BIN).parent)

# Two instances tagged Name=web and Role=web (web-a launched first), a bastion with a public address, an instance
# with only a private one, and one whose console never shows keys.
PRIVATE = {"web-a": "127.0.3.10", "web-b": "127.0.3.11", "bastion": "127.0.3.20", "inner": "127.0.3.30",
           "fresh": "127.0.3.40"}
PUBLIC = {"bastion": "127.0.4.20"}
NAMES = {"web-a": "web", "web-b": "web", "bastion": "bastion", "inner": "inner", "fresh": "fresh"}


@dataclass
class World:
    sshd: Sshd
    proxy: FaultProxy
    ids: dict
    vpc: str
    root: Path

    def config(self, path: Path, *, companion: str = "", dns: str = "", control_port: int | None = None,
               snapshot: bool = True) -> Path:
        snapshot_path = path.with_suffix(".snapshot.json") if snapshot else ""
        path.write_text(
            f'[dns]\ngroups = {{ role = "Role" }}\n{dns}\n'
            f'[control]\nlisten = "127.0.0.1:{control_port or free_port()}"\n\n'
            f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrequest_timeout = 5\n'
            f'snapshot = "{snapshot_path}"\n\n[companion]\n{companion}\n'
        )
        return path

    def env(self, config: Path, state: Path, **extra: str) -> dict:
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        environment = {
            "PATH": f"{BIN_DIR}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(home), "LANG": "C.UTF-8",
            "FEDNS_CONFIG": str(config), "XDG_STATE_HOME": str(state), "AWS_ENDPOINT_URL": self.proxy.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "AKIDNAMESTEST",
            "AWS_SECRET_ACCESS_KEY": "names-test-secret",
        }
        environment.update(extra)
        return {key: value for key, value in environment.items() if value is not None}

    def run(self, command: str, *args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN_DIR / command), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def id(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    (root / "sshd").mkdir()
    sshd = Sshd(root / "sshd", addresses=[*PRIVATE.values(), *PUBLIC.values()], host_key_types=("ed25519", "ecdsa"))
    process, endpoint = motolib.start(root / "moto.log")
    proxy = FaultProxy(endpoint)
    try:
        ec2 = motolib.client(endpoint, "ec2")
        ami = motolib.linux_ami(ec2)
        vpc = ec2.create_vpc(CidrBlock="127.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="127.0.3.0/24")["Subnet"]["SubnetId"]
        ids = {}
        for key, address in PRIVATE.items():
            ids[key] = motolib.run(ec2, ami, NAMES[key], SubnetId=subnet, PrivateIpAddress=address)
            if key == "web-a":
                time.sleep(1.1)  # launch times a second apart: 1.web and 2.web are defined
        for key in ("web-a", "web-b"):
            ec2.create_tags(Resources=[ids[key]], Tags=[{"Key": "Role", "Value": "Web"}])
        for key, address in PUBLIC.items():
            allocation = ec2.allocate_address(Domain="vpc", Address=address)["AllocationId"]
            ec2.associate_address(InstanceId=ids[key], AllocationId=allocation)
        console = cloud_init_console(*sshd.public_host_keys())
        for key in ("web-a", "web-b", "bastion", "inner"):
            proxy.consoles[ids[key]] = console
        # An unreadable block: the server says so, naming the instance, and keeps going.
        proxy.consoles[ids["fresh"]] = "-----BEGIN SSH HOST KEY KEYS-----\r\nnot a key\r\n-----END SSH HOST KEY KEYS-----\r\n"
        yield World(sshd, proxy, ids, vpc, root)
    finally:
        proxy.close()
        sshd.stop()
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def server(world):
    """fedns reading moto through the proxy, with [dns] groups (and a group tag nobody has)."""
    fedns = Fedns(world.root / "fedns", dns_extra='groups = { role = "Role", team = "Team" }\n')
    text = fedns.config_path.read_text()
    fedns.config_path.write_text(
        text[: text.index("[discovery]")]
        + f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 2\n'
        f'snapshot = "{world.root / "fedns" / "snapshot.json"}"\nhost_key_rate = 50\n'
    )
    fedns.environment = {"AWS_ACCESS_KEY_ID": "AKIDSERVER", "AWS_SECRET_ACCESS_KEY": "server-secret",
                         "AWS_ENDPOINT_URL": world.proxy.endpoint, "AWS_EC2_METADATA_DISABLED": "true"}
    fedns.start(wait=False)
    try:
        fedns.wait_until(lambda: fedns.query("1.web.ec2", "SSHFP").answer, timeout=40, message="SSHFP of 1.web.ec2")
        yield fedns
    finally:
        assert fedns.stop() == 0, fedns.log_text()


def server_address(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[2]


def strict_client_config(world, path: Path, known_hosts: Path) -> Path:
    """The test's client settings, but checking host keys strictly against a known_hosts that starts empty."""
    text = world.sshd.client_config.read_text()
    path.write_text(text.replace(f"UserKnownHostsFile {world.sshd.known_hosts}", f"UserKnownHostsFile {known_hosts}")
                    .replace("StrictHostKeyChecking accept-new", "StrictHostKeyChecking yes"))
    return path


# Every name form, in every command -----------------------------------------------------------------------------


def test_every_name_form_means_the_same_in_every_command(world, tmp_path):
    env = world.env(world.config(tmp_path / "c.toml"), tmp_path / "state")
    assert world.run("ec2host", "1.web", env=env).stdout == f"{PRIVATE['web-a']}\n"
    assert world.run("ec2host", "2.web.ec2", env=env).stdout == f"{PRIVATE['web-b']}\n"
    # A group lists its members, in the order their numbers count.
    assert world.run("ec2host", "web.role", env=env).stdout.split() == [PRIVATE["web-a"], PRIVATE["web-b"]]
    table = world.run("ec2host", "--table", "web.role.us-east-1", env=env).stdout.splitlines()
    assert [row.split()[:3] for row in table[1:]] == [["1", "web", world.id("web-a")], ["2", "web", world.id("web-b")]]
    assert world.run("ec2host", "3.web", env=env).returncode == 2

    config = ("-F", str(world.sshd.client_config))
    assert server_address(world.run("ec2ssh", *config, "2.web.role", "echo $SSH_CONNECTION", env=env)) == PRIVATE["web-b"]
    assert server_address(world.run("ec2ssh", *config, "1.web.role.ec2", "echo $SSH_CONNECTION", env=env)) == PRIVATE["web-a"]
    (tmp_path / "up.txt").write_text("to the second web\n")
    target = tmp_path / "target"
    target.mkdir()
    copy = world.run("ec2scp", *config, str(tmp_path / "up.txt"), f"2.web:{target}/", env=env)
    assert copy.returncode == 0, copy.stderr
    assert (target / "up.txt").read_text() == "to the second web\n"
    batch = tmp_path / "batch"
    batch.write_text(f"ls {target}\n")
    listing = world.run("ec2sftp", *config, "-b", str(batch), "1.web.role", env=env)
    assert listing.returncode == 0 and "up.txt" in listing.stdout, listing.stderr


# DNS: names from tags, TXT, SSHFP ------------------------------------------------------------------------------


def sshfp_text(fields: list[str]) -> str:
    """`ALG FPTYPE HEX`, the hex upper-cased and in one piece (dig may split a long fingerprint)."""
    return f"{fields[0]} {fields[1]} {''.join(fields[2:]).upper()}"


def sshfp_of_key(public_key_file: Path) -> str:
    """`ssh-keygen -r`'s SHA-256 line for a key."""
    out = subprocess.run(["ssh-keygen", "-r", "host", "-f", str(public_key_file)], capture_output=True, text=True,
                         check=True).stdout
    lines = [sshfp_text(line.split()[3:]) for line in out.splitlines() if line.split()[4] == "2"]
    assert len(lines) == 1, out
    return lines[0]


def test_dns_names_from_tags_txt_and_sshfp(world, server):
    assert server.dig("+short", "2.web.role.ec2").split() == [PRIVATE["web-b"]]
    assert sorted(server.dig("+short", "web.role.ec2").split()) == sorted([PRIVATE["web-a"], PRIVATE["web-b"]])
    txt = server.dig("+short", "TXT", "2.web.ec2")
    assert f'"instance-id={world.id("web-b")}"' in txt and '"name=web"' in txt and '"role=web"' in txt

    expected = sorted(sshfp_of_key(Path(f"{key}.pub")) for key in world.sshd.host_keys)
    assert [line.split()[:2] for line in expected] == [["3", "2"], ["4", "2"]]
    for name in ("1.web.ec2", f"{world.id('web-a')}.ec2", "inner.ec2", "bastion.us-east-1.ec2"):
        answer = server.dig("+short", "SSHFP", name)
        assert sorted(sshfp_text(line.split()) for line in answer.splitlines() if line) == expected, f"{name}: {answer}"
    # No keys: NODATA, and the server said which console it could not read.
    assert server.dig("+short", "SSHFP", "fresh.ec2").strip() == ""
    assert world.id("fresh") in server.log_text() and "cannot be read" in server.log_text()
    # A group tag nobody carries is named in the log; everything else works.
    assert 'no instance has the tag \\"Team\\"' in server.log_text() or 'no instance has the tag "Team"' in server.log_text()
    # The keys are kept in the snapshot the server persists.
    snapshot = world.root / "fedns" / "snapshot.json"
    wait_until(lambda: "host_keys" in snapshot.read_text(), timeout=20, message="host keys in the snapshot")
    by_id = {instance["id"]: instance for instance in json.loads(snapshot.read_text())["instances"]}
    assert [key["type"] for key in by_id[world.id("web-a")]["host_keys"]] == ["ssh-ed25519", "ecdsa-sha2-nistp256"]
    # Each console was read once.
    assert world.proxy.actions("GetConsoleOutput").count("AKIDSERVER") <= 6


# Host keys verified without a prompt -----------------------------------------------------------------------------


def test_the_first_connection_is_verified_without_a_prompt(world, server, tmp_path):
    strict = strict_client_config(world, tmp_path / "strict", tmp_path / "user_known_hosts")
    # Through the running server's inventory (which has the keys).
    via_server = world.env(world.config(tmp_path / "s.toml", control_port=server.control_port), tmp_path / "state-1")
    consoles_read = world.proxy.actions("GetConsoleOutput").count("AKIDNAMESTEST")
    result = world.run("ec2ssh", "--verbose", "-F", str(strict), "2.web", "echo $SSH_CONNECTION", env=via_server)
    assert server_address(result) == PRIVATE["web-b"]
    assert "inventory from the running server" in result.stderr
    assert world.proxy.actions("GetConsoleOutput").count("AKIDNAMESTEST") == consoles_read  # the server's keys
    known = (tmp_path / "state-1" / "fedns" / "known_hosts").read_text().splitlines()
    assert sorted(line.split()[1] for line in known if line.startswith(world.id("web-b") + " ")) == [
        "ecdsa-sha2-nistp256", "ssh-ed25519"]
    assert not (tmp_path / "user_known_hosts").exists()  # the person's own file was not needed

    # Without a server: the command reads the console itself, once.
    alone = world.env(world.config(tmp_path / "a.toml"), tmp_path / "state-2")
    assert server_address(world.run("ec2ssh", "-F", str(strict), "1.web", "echo $SSH_CONNECTION", env=alone)) == PRIVATE["web-a"]
    assert (tmp_path / "state-2" / "fedns" / "known_hosts").read_text().count(world.id("web-a")) == 2


def test_a_wrong_key_is_refused(world, tmp_path):
    strict = strict_client_config(world, tmp_path / "strict", tmp_path / "user_known_hosts")
    other = keygen(tmp_path / "impostor", "not-the-host")
    env = world.env(world.config(tmp_path / "w.toml"), tmp_path / "state")
    world.proxy.consoles[world.id("inner")] = cloud_init_console(Path(f"{other}.pub").read_text())
    try:
        result = world.run("ec2ssh", "-F", str(strict), "inner", "true", env=env)
    finally:
        world.proxy.consoles[world.id("inner")] = cloud_init_console(*world.sshd.public_host_keys())
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr or "IDENTIFICATION HAS CHANGED" in result.stderr


def test_unknown_keys_fall_back_to_the_prompt_and_say_so(world, tmp_path):
    env = world.env(world.config(tmp_path / "u.toml"), tmp_path / "state")
    result = world.run("ec2ssh", "-F", str(world.sshd.client_config), "fresh", "echo $SSH_CONNECTION", env=env)
    assert server_address(result) == PRIVATE["fresh"]
    assert f"the host keys of fresh ({world.id('fresh')}) are not known yet" in result.stderr


# Jump hosts ----------------------------------------------------------------------------------------------------


def test_jump_hosts_named_as_instances(world, tmp_path):
    env = world.env(world.config(tmp_path / "j.toml"), tmp_path / "state")
    config = ("-F", str(world.sshd.client_config))
    printed = world.run("ec2ssh", "--print", "-J", "bastion", "inner", "true", env=env).stdout
    assert f"-J {PUBLIC['bastion']} " in printed and printed.rstrip().endswith(f"{PRIVATE['inner']} true")
    assert f"ProxyJump={PUBLIC['bastion']}" in world.run("ec2ssh", "--print", "-o", "ProxyJump=bastion", "inner", env=env).stdout
    # Neither name is in any DNS: the hop is resolved through the inventory.
    result = world.run("ec2ssh", *config, "-J", "bastion", "inner", "echo $SSH_CONNECTION", env=env)
    assert server_address(result) == PRIVATE["inner"]


def test_configured_jump_host_for_private_instances(world, tmp_path):
    config = ("-F", str(world.sshd.client_config))
    env = world.env(world.config(tmp_path / "k.toml", companion='jump = "bastion"'), tmp_path / "state")
    result = world.run("ec2ssh", *config, "inner", "echo $SSH_CONNECTION", env=env)
    assert server_address(result) == PRIVATE["inner"]
    notices = [line for line in result.stderr.splitlines() if "going through bastion" in line]
    assert len(notices) == 1 and "inner" in notices[0] and "has only private addresses" in notices[0]
    # An explicit -J wins; a public instance needs none.
    explicit = world.run("ec2ssh", "--print", "-J", PUBLIC["bastion"], "inner", env=env)
    assert explicit.stdout.count("-J") == 1 and "going through" not in explicit.stderr
    assert "-J" not in world.run("ec2ssh", "--print", "bastion", env=env).stdout
    # Per VPC, with "*" for the rest.
    per_vpc = world.env(world.config(tmp_path / "v.toml", companion=f'jump = {{ "{world.vpc}" = "bastion", "*" = "nowhere" }}'),
                        tmp_path / "state")
    assert f"-J {PUBLIC['bastion']}" in world.run("ec2ssh", "--print", "inner", env=per_vpc).stdout


# ssh_config for every tool -----------------------------------------------------------------------------------------


def test_ssh_config_for_plain_ssh_and_rsync(world, server, tmp_path):
    env = world.env(world.config(tmp_path / "g.toml", companion='jump = "bastion"', control_port=server.control_port),
                    tmp_path / "state")
    target = tmp_path / "ssh" / "config.d" / "ec2"
    target.parent.mkdir(parents=True)
    target.write_text("# mine\nHost other\n    User someone\n")
    for _ in range(2):  # the second run replaces its block, it does not add one
        written = world.run("ec2host", "--ssh-config", "--user", world.sshd.user, "--jump", "auto", "--write", str(target), env=env)
        assert written.returncode == 0, written.stderr
    text = target.read_text()
    assert text.startswith("# mine\nHost other\n    User someone\n") and text.count("# BEGIN ec2host --ssh-config") == 1
    assert f"HostKeyAlias {world.id('web-b')}" in text and "ProxyJump bastion" in text
    printed = world.run("ec2host", "--ssh-config", "--user", world.sshd.user, "--jump", "auto", env=env).stdout
    assert printed in text

    # Any tool that runs ssh: the generated file first, then the test's own key and port, keys checked strictly.
    wrapper = tmp_path / "wrapper"
    wrapper.write_text(
        f"Include {target}\nHost *\n  Port {world.sshd.port}\n  IdentityFile {world.sshd.user_key}\n  IdentitiesOnly yes\n"
        "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n"
    )

    def ssh(host: str) -> subprocess.CompletedProcess:
        return subprocess.run(["ssh", "-F", str(wrapper), host, "echo $SSH_CONNECTION"], capture_output=True, text=True,
                              timeout=30)

    assert server_address(ssh("2.web")) == PRIVATE["web-b"]
    assert server_address(ssh("1.web.ec2")) == PRIVATE["web-a"]
    assert server_address(ssh(world.id("bastion"))) == PUBLIC["bastion"]
    assert server_address(ssh("inner")) == PRIVATE["inner"]  # through ProxyJump bastion, also verified
    (tmp_path / "payload").write_text("rsync over the generated config\n")
    destination = tmp_path / "rsynced"
    destination.mkdir()
    rsync = subprocess.run(["rsync", "-e", f"ssh -F {wrapper}", str(tmp_path / "payload"), f"2.web.role:{destination}/"],
                           capture_output=True, text=True, timeout=60)
    assert rsync.returncode == 0, rsync.stderr
    assert (destination / "payload").read_text() == "rsync over the generated config\n"
    # A broken block is refused, naming the file, and the file is left alone.
    broken = tmp_path / "broken"
    broken.write_text("# BEGIN ec2host --ssh-config (fedns)\nHost x\n")
    refused = world.run("ec2host", "--ssh-config", "--write", str(broken), env=env)
    assert refused.returncode == 7 and str(broken) in refused.stderr
    assert broken.read_text() == "# BEGIN ec2host --ssh-config (fedns)\nHost x\n"


# Bad configuration -----------------------------------------------------------------------------------------------


def test_a_group_label_that_reads_as_a_region_or_the_zone_is_refused(world, tmp_path):
    for label, words in (("us-east-1", "looks like a region"), ("ec2", "label of the zone")):
        config = tmp_path / f"{label}.toml"
        config.write_text(f'[dns]\ngroups = {{ "{label}" = "Role" }}\n')
        result = subprocess.run([FEDNS_BIN, "check-config", "--config", str(config)], capture_output=True, text=True,
                                timeout=20)
        assert result.returncode != 0
        assert f"dns.groups.{label}" in result.stderr and words in result.stderr


# Credentials the way people log in today --------------------------------------------------------------------------


def test_web_identity_from_the_environment_and_a_profile(world, tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJ.oidc.token\n")
    config = world.config(tmp_path / "wi.toml")
    env = world.env(config, tmp_path / "state", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                    AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN="arn:aws:iam::123456789012:role/ci",
                    AWS_REGION="us-east-1")
    calls = len(world.proxy.calls)
    result = world.run("ec2host", "--refresh", "2.web", env=env)
    assert result.returncode == 0 and result.stdout == f"{PRIVATE['web-b']}\n", result.stderr
    made = world.proxy.calls[calls:]
    assert made[0] == ("AssumeRoleWithWebIdentity", "")  # unsigned: the token is the proof
    issued = world.proxy.issued[-1]
    assert issued.startswith("ASIA") and ("DescribeInstances", issued) in made

    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        f"[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = {token}\nregion = us-east-1\n")
    profile_env = world.env(config, tmp_path / "state", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                            HOME=str(home), AWS_PROFILE="ci")
    calls = len(world.proxy.calls)
    assert world.run("ec2host", "--refresh", "1.web", env=profile_env).stdout == f"{PRIVATE['web-a']}\n"
    assert ("DescribeInstances", world.proxy.issued[-1]) in world.proxy.calls[calls:]


class SSOPortal:
    """A stand-in for IAM Identity Center's portal, following the published API: GET /federation/credentials
    with the token in x-amz-sso_bearer_token; moto does not implement it."""

    def __init__(self, token: str, account: str, role: str):
        self.requests: list[str] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                portal.requests.append(self.path)
                wanted = f"/federation/credentials?role_name={role}&account_id={account}"
                if self.headers.get("x-amz-sso_bearer_token") != token:
                    return self.reply(401, {"message": "Session token not found or invalid"})
                if self.path != wanted:
                    return self.reply(403, {"message": "No access"})
                expiration = int((time.time() + 3600) * 1000)
                return self.reply(200, {"roleCredentials": {"accessKeyId": "ASIASSOPORTAL0001", "secretAccessKey": "sso",
                                                            "sessionToken": "sso-session", "expiration": expiration}})

            def reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_sso_profiles_read_the_aws_sso_login_cache(world, tmp_path):
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
    cache = home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(b'corp').hexdigest()}.json"

    def login(expires: float):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
        cache.write_text(json.dumps({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                                     "accessToken": "sso-access-token", "expiresAt": stamp}))

    portal = SSOPortal("sso-access-token", "111122223333", "ReadOnly")
    try:
        # No snapshot to fall back on: a failed login must show, not an older inventory.
        config = world.config(tmp_path / "sso.toml", snapshot=False)
        env = world.env(config, tmp_path / "state", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, HOME=str(home),
                        AWS_PROFILE="corp", AWS_ENDPOINT_URL_SSO=portal.endpoint)
        login(time.time() + 3600)
        calls = len(world.proxy.calls)
        result = world.run("ec2host", "--refresh", "2.web.role", env=env)
        assert result.stdout == f"{PRIVATE['web-b']}\n", result.stderr
        assert portal.requests == ["/federation/credentials?role_name=ReadOnly&account_id=111122223333"]
        assert ("DescribeInstances", "ASIASSOPORTAL0001") in world.proxy.calls[calls:]

        login(time.time() - 60)  # expired, and this login cannot be refreshed (no refresh token)
        expired = world.run("ec2host", "--refresh", "2.web.role", env=env)
        assert expired.returncode == 6 and "run `aws sso login --profile corp`" in expired.stderr
        assert "sso-access-token" not in expired.stderr

        cache.write_text("{this is not json")
        garbled = world.run("ec2host", "--refresh", "2.web.role", env=env)
        assert garbled.returncode == 6 and f"{cache} is not a JSON object" in garbled.stderr
    finally:
        portal.close()
