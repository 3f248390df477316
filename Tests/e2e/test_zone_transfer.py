"""fedns as a hidden primary: NSD and Knot, from Debian, as its secondaries over TSIG; dig and kdig as transfer
clients; AXFR, IXFR through NOTIFY, the journal's limit, and every way a transfer is refused."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import FLEET
from fednsproc import Fedns, free_port, instance, metric, wait_until

SECRET = base64.b64encode(b"fedns-e2e-transfer-secret-0123456789").decode()
KEY = "xfr"
KEYRING = dns.tsigkeyring.from_text({f"{KEY}.": ("hmac-sha256", SECRET)})
ZONES = ["ec2.", "10.in-addr.arpa."]

# Names and types compared record by record between fedns and each secondary.
CHECKS = [
    ("appserver-1.ec2.", "A"), ("appserver-1.ec2.", "AAAA"), ("appserver-1.ec2.", "TXT"),
    ("appserver-2.ec2.", "A"), ("web.ec2.", "A"), ("web.us-east-1.ec2.", "A"), ("crowd.ec2.", "A"),
    ("i-0e2e000000000005.ec2.", "A"), ("ec2.", "NS"), ("ns.ec2.", "A"),
    ("11.1.20.10.in-addr.arpa.", "PTR"), ("41.3.20.10.in-addr.arpa.", "PTR"), ("5.0.30.10.in-addr.arpa.", "PTR"),
]


def answer_set(port: int, name: str, rtype: str, **kwargs) -> set[str] | None:
    """The answer section as a set of record texts (order aside), or None without an answer; over TCP, so that a
    name shared by 100 instances is compared whole."""
    query = dns.message.make_query(name, rtype, **kwargs)
    try:
        reply = dns.query.tcp(query, "127.0.0.1", port=port, timeout=1)
    except Exception:
        return None
    if reply.rcode() != dns.rcode.NOERROR:
        return {dns.rcode.to_text(reply.rcode())}
    return {rdata.to_text() for rrset in reply.answer for rdata in rrset}


class Secondary:
    """A real secondary server (NSD or Knot) started by the test, pulling from fedns with the TSIG key."""

    def __init__(self, kind: str, workdir: Path, primary_port: int):
        self.kind = kind
        self.workdir = workdir
        self.port = free_port()
        self.primary_port = primary_port
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{kind}.log"
        self.process: subprocess.Popen | None = None

    def config(self) -> list[str]:
        work = self.workdir
        if self.kind == "nsd":
            zones = "".join(
                f"zone:\n    name: {zone}\n    zonefile: \"{work}/{zone}zone\"\n"
                f"    request-xfr: 127.0.0.1@{self.primary_port} {KEY}\n    allow-notify: 127.0.0.1 {KEY}\n"
                for zone in ZONES)
            (work / "nsd.conf").write_text(f"""server:
    ip-address: 127.0.0.1@{self.port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{work}"
    pidfile: "{work}/nsd.pid"
    database: ""
    zonelistfile: "{work}/zone.list"
    xfrdfile: "{work}/xfrd.state"
    xfrdir: "{work}"
    verbosity: 2
remote-control:
    control-enable: no
key:
    name: {KEY}
    algorithm: hmac-sha256
    secret: "{SECRET}"
{zones}""")
            return ["nsd", "-d", "-c", str(work / "nsd.conf")]
        zones = "".join(f"  - domain: {zone}\n" for zone in ZONES)
        (work / "knot.conf").write_text(f"""server:
    rundir: "{work}"
    listen: 127.0.0.1@{self.port}
log:
  - target: stderr
    any: info
database:
    storage: "{work}"
key:
  - id: {KEY}
    algorithm: hmac-sha256
    secret: {SECRET}
remote:
  - id: fedns
    address: 127.0.0.1@{self.primary_port}
    key: {KEY}
acl:
  - id: from_fedns
    address: 127.0.0.1
    key: {KEY}
    action: notify
template:
  - id: default
    storage: "{work}"
    master: fedns
    acl: from_fedns
    zonefile-sync: -1
    # The zone is kept in Knot's journal, so after a restart Knot asks for an increment from its serial.
    journal-content: all
    zonefile-load: none
zone:
{zones}""")
        return ["knotd", "-c", str(work / "knot.conf")]

    def start(self) -> "Secondary":
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.config(), stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def serial(self, zone: str = "ec2.") -> int | None:
        records = answer_set(self.port, zone, "SOA")
        if not records or len(records) != 1 or "REFUSED" in records or "SERVFAIL" in records:
            return None
        return int(next(iter(records)).split()[2])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def fedns_serial(fedns: Fedns, zone: str = "ec2.") -> int:
    return int(next(iter(answer_set(fedns.port, zone, "SOA"))).split()[2])


def metrics(fedns: Fedns) -> str:
    return fedns.control("/metrics")[1].decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not shutil.which("nsd") or not shutil.which("knotd"):
        pytest.fail("nsd and knotd are needed (Tests/setup/install-test-deps.sh installs them)")
    root = tmp_path_factory.mktemp("transfer")
    nsd_port, knot_port = free_port(), free_port()
    fedns = Fedns(
        root / "fedns", instances=FLEET,
        dns_extra=(
            'reverse_zones = ["10.in-addr.arpa"]\nnameserver_addresses = ["127.0.0.1"]\n'
            "[dns.transfer]\n"
            'allow = ["127.0.0.1/32"]\n'
            f'notify = ["127.0.0.1:{nsd_port}", {{ address = "127.0.0.1:{knot_port}", key = "{KEY}" }}]\n'
            f'journal = 2\njournal_file = "{root}/fedns/journal.ixfr"\n'
            f'[[dns.transfer.keys]]\nname = "{KEY}"\nalgorithm = "hmac-sha256"\nsecret = "{SECRET}"\n'
        ))
    fedns.start()
    secondaries = {}
    for kind, port in (("nsd", nsd_port), ("knot", knot_port)):
        secondary = Secondary(kind, root / kind, fedns.port)
        secondary.port = port
        secondaries[kind] = secondary.start()
    yield fedns, secondaries
    for secondary in secondaries.values():
        secondary.stop()
    assert fedns.stop() == 0


def transfers_in_log(fedns: Fedns, kind: str, form: str) -> int:
    return len(re.findall(rf"form={form} .*kind={kind}|kind={kind} .*form={form}", fedns.log_text()))


def test_secondaries_load_the_zones_and_answer_like_fedns(world):
    fedns, secondaries = world
    for secondary in secondaries.values():
        wait_until(lambda: secondary.serial("ec2.") == fedns_serial(fedns), 30,
                   f"{secondary.kind} loaded ec2.", secondary.log_text)
        wait_until(lambda: secondary.serial("10.in-addr.arpa.") == fedns_serial(fedns, "10.in-addr.arpa."), 30,
                   f"{secondary.kind} loaded 10.in-addr.arpa.", secondary.log_text)
        for name, rtype in CHECKS:
            expected = answer_set(fedns.port, name, rtype)
            assert expected and "NXDOMAIN" not in expected, f"fedns has no {rtype} for {name}"
            assert answer_set(secondary.port, name, rtype) == expected, f"{secondary.kind}: {name} {rtype}"
    assert transfers_in_log(fedns, "axfr", "full") >= 2


def test_a_change_reaches_the_secondaries_by_notify_and_ixfr(world):
    fedns, secondaries = world
    before = fedns_serial(fedns)
    ixfr_before = transfers_in_log(fedns, "ixfr", "incremental")
    fedns.write_inventory([*FLEET, instance("i-0e2e0000000000ff", "newhost", private=["10.20.9.9"])])
    fedns.wait_until(lambda: fedns_serial(fedns) != before, 10, "a new serial")
    for secondary in secondaries.values():
        wait_until(lambda: answer_set(secondary.port, "newhost.ec2.", "A") == {"10.20.9.9"}, 15,
                   f"{secondary.kind} serving the new instance", secondary.log_text)
        wait_until(lambda: answer_set(secondary.port, "9.9.20.10.in-addr.arpa.", "PTR") == {"newhost.ec2."}, 15,
                   f"{secondary.kind} serving the new PTR", secondary.log_text)
    # Both secondaries took increments, not the whole zone, once the journal had the serial.
    assert transfers_in_log(fedns, "ixfr", "incremental") >= ixfr_before + 2, fedns.log_text()[-3000:]
    text = metrics(fedns)
    assert (metric(text, "fedns_dns_transfers_total", kind="ixfr", outcome="ok") or 0) >= 2, text
    for secondary in secondaries.values():
        acked = metric(text, "fedns_dns_notify_sent_total", target=f"127.0.0.1:{secondary.port}", outcome="acked")
        assert (acked or 0) >= 1, text
        assert metric(text, "fedns_dns_secondary_serial", secondary="127.0.0.1") == fedns_serial(fedns)


def test_the_journal_survives_a_restart_through_the_snapshot(tmp_path):
    """With the AWS source the zone's serial survives a restart (the persisted snapshot keeps it), and so does the
    journal beside it: a secondary behind by one version still gets an increment after fedns restarts."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "moto"))
    import motolib

    process, endpoint = motolib.start(tmp_path / "moto.log")
    try:
        east = motolib.client(endpoint, "ec2", "us-east-1")
        ami = motolib.linux_ami(east)
        motolib.run(east, ami, "first-host")
        snapshot = tmp_path / "cache" / "snapshot.json"
        fedns = Fedns(tmp_path / "fedns", dns_extra=(
            "[dns.transfer]\nallow = [\"127.0.0.1/32\"]\n"
            f'[[dns.transfer.keys]]\nname = "{KEY}"\nsecret = "{SECRET}"\n'))
        text = fedns.config_path.read_text()
        fedns.config_path.write_text(
            text[: text.index("[discovery]")]
            + f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 1\nsnapshot = "{snapshot}"\n'
            + f'ec2_endpoint = "{endpoint}"\n')
        fedns.environment = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                             "AWS_EC2_METADATA_DISABLED": "true"}
        fedns.start()
        fedns.wait_until(lambda: answer_set(fedns.port, "first-host.ec2.", "TXT") not in (None, {"NXDOMAIN"}), 30,
                         "the first instance")
        before = fedns_serial(fedns)
        motolib.run(east, ami, "second-host")
        fedns.wait_until(lambda: fedns_serial(fedns) != before, 30, "the second instance's serial")
        after = fedns_serial(fedns)
        fedns.wait_until(lambda: Path(f"{snapshot}.ixfr").exists(), 10, "the journal file")
        assert fedns.stop() == 0
        fedns.start()
        assert fedns_serial(fedns) == after  # the persisted snapshot kept the serial
        ixfr = dns.message.make_query("ec2.", "IXFR")
        ixfr.authority = [dns.rrset.from_text("ec2.", 0, "IN", "SOA", f"ns.ec2. hostmaster.ec2. {before} 1 1 1 1")]
        ixfr.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
        reply = dns.query.tcp(ixfr, "127.0.0.1", port=fedns.port, timeout=5)
        texts = [rrset.to_text() for rrset in reply.answer]
        assert any("second-host.ec2." in text for text in texts), texts
        assert not any(text.startswith("first-host.ec2.") for text in texts), f"a whole zone, not an increment: {texts}"
        assert "form=incremental" in fedns.log_text()
        assert fedns.stop() == 0
    finally:
        process.terminate()
        process.wait(10)


def test_a_secondary_past_the_journal_gets_the_whole_zone(world):
    fedns, secondaries = world
    knot = secondaries["knot"]
    knot.stop()
    full_before = transfers_in_log(fedns, "ixfr", "full")
    # Three changes while Knot is away: the journal keeps two, so Knot's serial is no longer in it.
    for index in range(3):
        before = fedns_serial(fedns)
        fedns.write_inventory([*FLEET, instance(f"i-0e2e00000000010{index}", f"burst-{index}", private=[f"10.20.8.{index + 1}"])])
        fedns.wait_until(lambda: fedns_serial(fedns) != before, 10, "a new serial")
        time.sleep(1.1)  # serials are per second at least
    knot.start()
    wait_until(lambda: knot.serial() == fedns_serial(fedns), 30, "knot caught up", knot.log_text)
    assert answer_set(knot.port, "burst-2.ec2.", "A") == {"10.20.8.3"}
    assert answer_set(knot.port, "burst-0.ec2.", "A") != {"10.20.8.1"}  # gone again in the last version
    assert transfers_in_log(fedns, "ixfr", "full") > full_before, fedns.log_text()[-3000:]


def test_dig_and_kdig_read_the_transfer(world):
    fedns, _ = world
    key = f"hmac-sha256:{KEY}:{SECRET}"
    dig = subprocess.run(["dig", "@127.0.0.1", "-p", str(fedns.port), "ec2.", "AXFR", "-y", key, "+nocookie"],
                         capture_output=True, text=True, timeout=20)
    assert "XFR size" in dig.stdout and "could not be validated" not in dig.stdout, dig.stdout[-2000:]
    assert re.search(r"^appserver-1\.ec2\.\s+\d+\s+IN\s+A\s+54\.20\.0\.11", dig.stdout, re.M)
    kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(fedns.port), "ec2.", "AXFR", "-y", key],
                          capture_output=True, text=True, timeout=20)
    assert kdig.returncode == 0 and "Received" in kdig.stdout and ";; WARNING" not in kdig.stdout, kdig.stdout[-2000:]
    records = [line for line in kdig.stdout.splitlines() if line and not line.startswith(";") and "TSIG" not in line]
    assert len(records) >= 2 * len(FLEET)  # A and TXT at least, for every running instance's names
    assert records[0].split()[3] == "SOA" and records[-1].split()[3] == "SOA"


def test_refused_without_the_key_from_elsewhere_or_with_a_wrong_one(world):
    fedns, _ = world
    # No TSIG: refused, with EDE 18.
    unsigned = dns.message.make_query("ec2.", "AXFR", use_edns=0)
    reply = dns.query.tcp(unsigned, "127.0.0.1", port=fedns.port, timeout=5)
    assert reply.rcode() == dns.rcode.REFUSED
    assert any(option.otype == 15 and option.code == 18 for option in reply.options)
    # A wrong secret: NOTAUTH, BADSIG.
    wrong = dns.tsigkeyring.from_text({f"{KEY}.": ("hmac-sha256", base64.b64encode(b"x" * 32).decode())})
    bad = dns.message.make_query("ec2.", "AXFR")
    bad.use_tsig(wrong, keyname=f"{KEY}.", algorithm="hmac-sha256")
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.query.tcp(bad, "127.0.0.1", port=fedns.port, timeout=5)
    # An unknown key: NOTAUTH, BADKEY.
    other = dns.tsigkeyring.from_text({"other.": ("hmac-sha256", SECRET)})
    unknown = dns.message.make_query("ec2.", "AXFR")
    unknown.use_tsig(other, keyname="other.", algorithm="hmac-sha256")
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.query.tcp(unknown, "127.0.0.1", port=fedns.port, timeout=5)
    # The right key from an address outside `allow` (127.0.0.2): REFUSED.
    signed = dns.message.make_query("ec2.", "AXFR")
    signed.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    reply = dns.query.tcp(signed, "127.0.0.1", port=fedns.port, timeout=5, source="127.0.0.2")
    assert reply.rcode() == dns.rcode.REFUSED
    log = fedns.log_text()
    assert "error=BADSIG" in log and "error=BADKEY" in log
    assert SECRET not in log  # secrets never appear in logs
    assert (metric(metrics(fedns), "fedns_dns_transfers_total", kind="axfr", outcome="refused") or 0) >= 2


def test_a_signed_time_outside_the_fudge_gets_badtime(world, monkeypatch):
    fedns, _ = world
    query = dns.message.make_query("ec2.", "SOA")
    query.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3600)
    with pytest.raises(dns.tsig.PeerBadTime):
        dns.query.udp(query, "127.0.0.1", port=fedns.port, timeout=5)


def test_bad_transfer_requests_change_nothing(world):
    fedns, _ = world
    serial = fedns_serial(fedns)
    # IXFR without the client's SOA in the authority section: FORMERR.
    ixfr = dns.message.make_query("ec2.", "IXFR")
    ixfr.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    reply = dns.query.tcp(ixfr, "127.0.0.1", port=fedns.port, timeout=5)
    assert reply.rcode() == dns.rcode.FORMERR
    # A zone fedns does not serve: NOTAUTH.
    foreign = dns.message.make_query("example.com.", "AXFR")
    foreign.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    assert dns.query.tcp(foreign, "127.0.0.1", port=fedns.port, timeout=5).rcode() == dns.rcode.NOTAUTH
    # NOTIFY sent to fedns (it is a primary): not implemented, and the zone stays as it was.
    notify = dns.message.make_query("ec2.", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    assert dns.query.udp(notify, "127.0.0.1", port=fedns.port, timeout=5).rcode() == dns.rcode.NOTIMP
    # AXFR over UDP: refused.
    udp = dns.message.make_query("ec2.", "AXFR")
    udp.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    assert dns.query.udp(udp, "127.0.0.1", port=fedns.port, timeout=5).rcode() == dns.rcode.REFUSED
    # IXFR over UDP from a current serial: the SOA alone; from an old one: TC, to retry over TCP.
    current = dns.message.make_query("ec2.", "IXFR")
    current.authority = [dns.rrset.from_text("ec2.", 0, "IN", "SOA", f"ns.ec2. hostmaster.ec2. {serial} 1 1 1 1")]
    current.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    reply = dns.query.udp(current, "127.0.0.1", port=fedns.port, timeout=5)
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.SOA] and not reply.flags & dns.flags.TC
    old = dns.message.make_query("ec2.", "IXFR")
    old.authority = [dns.rrset.from_text("ec2.", 0, "IN", "SOA", "ns.ec2. hostmaster.ec2. 7 1 1 1 1")]
    old.use_tsig(KEYRING, keyname=f"{KEY}.", algorithm="hmac-sha256")
    reply = dns.query.udp(old, "127.0.0.1", port=fedns.port, timeout=5)
    assert reply.flags & dns.flags.TC and not reply.answer
    assert fedns_serial(fedns) == serial
    assert answer_set(fedns.port, "appserver-1.ec2.", "A") == {"54.20.0.11"}
