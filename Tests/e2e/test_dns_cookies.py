"""DNS Cookies (RFC 7873 with RFC 9018 server cookies) and NSID (RFC 5001) through real clients: dig, kdig and
dnspython. Server cookies are checked against an independent SipHash-2-4 written here, so fedns's cookies are the
interoperable ones other servers sharing the secret accept; replicas given one cookie_secret_file accept each
other's cookies, and a replica with its own secret does not."""

from __future__ import annotations

import os
import re
import signal
import struct
import time

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import FLEET
from fednsproc import Fedns, answers, rcode

SECRET = bytes.fromhex("e5e973e5a6b2a43f48e7dc849e37bfcf")
RETIRED = bytes.fromhex("dd3bdf9344b678b185a6f5cb60fca715")
CLIENT_COOKIE = bytes.fromhex("2464c4abcf10c957")
COOKIE = dns.edns.OptionType.COOKIE
NSID = dns.edns.OptionType.NSID


def siphash24(key: bytes, message: bytes) -> bytes:
    """SipHash-2-4 (Aumasson and Bernstein), the 64-bit result little-endian, as RFC 9018 puts it on the wire."""
    mask = (1 << 64) - 1

    def rotl(x: int, b: int) -> int:
        return ((x << b) | (x >> (64 - b))) & mask

    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count: int) -> None:
        for _ in range(count):
            v[0] = (v[0] + v[1]) & mask; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & mask; v[3] = rotl(v[3], 16); v[3] ^= v[2]
            v[0] = (v[0] + v[3]) & mask; v[3] = rotl(v[3], 21); v[3] ^= v[0]
            v[2] = (v[2] + v[1]) & mask; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    tail = len(message) % 8
    for (word,) in struct.iter_unpack("<Q", message[: len(message) - tail]):
        v[3] ^= word
        rounds(2)
        v[0] ^= word
    last = (len(message) & 0xFF) << 56 | int.from_bytes(message[len(message) - tail:], "little")
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])


def test_siphash_reference_vector():
    assert siphash24(bytes(range(16)), bytes(range(15))) == bytes.fromhex("e545be4961ca29a1")


def server_cookie(client_cookie: bytes, stamp: int, address: bytes, secret: bytes = SECRET) -> bytes:
    """RFC 9018 §4.2: version 1, reserved zero, the timestamp, the hash."""
    head = bytes([1, 0, 0, 0]) + struct.pack(">I", stamp)
    return head + siphash24(secret, client_cookie + head + address)


LOOPBACK = bytes([127, 0, 0, 1])


def ask(server: Fedns, *options: dns.edns.Option, name: str = "appserver-1.ec2", tcp: bool = False):
    return server.query(name, "A", use_edns=0, options=list(options), tcp=tcp)


def option(response: dns.message.Message, otype) -> bytes | None:
    found = [o for o in response.options if o.otype == otype]
    assert len(found) <= 1
    return found[0].to_wire() if found else None


def cookie(data: bytes) -> dns.edns.Option:
    return dns.edns.GenericOption(COOKIE, data)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """Two replicas sharing a cookie_secret_file (the current secret and a retiring one), a third with its own
    secret, all with an NSID."""
    directory = tmp_path_factory.mktemp("cookies")
    secrets = directory / "cookie.secrets"
    secrets.write_text(f"# current first\n{SECRET.hex()}\n{RETIRED.hex()}  # retiring\n")
    os.chmod(secrets, 0o600)
    servers = []
    for index, shared in enumerate([True, True, False]):
        extra = f'nsid = "replica-{index}"\n' + (f'cookie_secret_file = "{secrets}"\n' if shared else "")
        servers.append(Fedns(directory / f"r{index}", instances=FLEET, dns_extra=extra).start())
    yield servers
    for server in servers:
        assert server.stop() == 0, server.log_text()


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_client_cookie_gets_an_interoperable_server_cookie(replicas, tcp):
    before = int(time.time())
    response = ask(replicas[0], cookie(CLIENT_COOKIE), tcp=tcp)
    after = int(time.time())
    assert rcode(response) == "NOERROR" and answers(response) == ["54.20.0.11"]  # answered normally (RFC 7873 5.2.3)
    returned = option(response, COOKIE)
    assert returned is not None and len(returned) == 24 and returned[:8] == CLIENT_COOKIE
    stamp = struct.unpack(">I", returned[12:16])[0]
    assert before - 1 <= stamp <= after + 1
    assert returned[8:] == server_cookie(CLIENT_COOKIE, stamp, LOOPBACK)


def test_replicas_sharing_a_secret_accept_each_others_cookies(replicas):
    # A cookie made 100 s ago with the shared secret: a replica that verifies it sends it back unchanged (it is
    # younger than half an hour); one that cannot verify it makes a fresh one, stamped now.
    stamp = int(time.time()) - 100
    made = CLIENT_COOKIE + server_cookie(CLIENT_COOKIE, stamp, LOOPBACK)
    for shared in replicas[:2]:
        assert option(ask(shared, cookie(made)), COOKIE) == made
    stranger = option(ask(replicas[2], cookie(made)), COOKIE)
    assert stranger[:8] == CLIENT_COOKIE and stranger != made
    assert struct.unpack(">I", stranger[12:16])[0] >= stamp + 100 - 1
    # The retiring secret is still accepted, and its cookie renewed with the current one (RFC 9018 A.4).
    old = CLIENT_COOKIE + server_cookie(CLIENT_COOKIE, stamp, LOOPBACK, RETIRED)
    renewed = option(ask(replicas[1], cookie(old)), COOKIE)
    renewed_stamp = struct.unpack(">I", renewed[12:16])[0]
    assert renewed[8:] == server_cookie(CLIENT_COOKIE, renewed_stamp, LOOPBACK) and renewed_stamp > stamp
    # The same cookie from another address is not ours to verify (the address is in the hash).
    assert option(ask(replicas[0], cookie(CLIENT_COOKIE + server_cookie(CLIENT_COOKIE, stamp, bytes([127, 0, 0, 2])))),
                  COOKIE) != made


@pytest.mark.parametrize("length", [1, 5, 9, 15, 41])
def test_malformed_cookie_is_formerr(replicas, length):
    response = ask(replicas[0], cookie(bytes(range(length))))
    assert rcode(response) == "FORMERR" and response.answer == [] and response.edns == 0
    # The server goes on answering.
    assert answers(ask(replicas[0], cookie(CLIENT_COOKIE))) == ["54.20.0.11"]


def test_nsid_only_to_queries_that_ask(replicas):
    for index, server in enumerate(replicas):
        asked = ask(server, dns.edns.GenericOption(NSID, b""), cookie(CLIENT_COOKIE))
        assert option(asked, NSID) == f"replica-{index}".encode()
        # NSID first, then the cookie, as the options are written.
        assert [o.otype for o in asked.options] == [NSID, COOKIE]
        assert option(ask(server), NSID) is None


def test_dig_and_kdig_see_a_good_cookie_and_the_nsid(replicas):
    # dig sends a client cookie by default; with +cookie=<previous> it sends the whole cookie and reports "good"
    # when the server's reply carries a valid echo.
    first = replicas[0].dig("+nsid", "appserver-1.ec2", "A")
    assert "54.20.0.11" in first
    assert re.search(r'; NSID: .*\("replica-0"\)', first), first
    found = re.search(r"; COOKIE: ([0-9a-f]{48}) \(good\)", first)
    assert found, first
    again = replicas[1].dig(f"+cookie={found.group(1)}", "appserver-1.ec2", "A")
    assert f"; COOKIE: {found.group(1)} (good)" in again, again
    kdig = replicas[0].dig("+nsid", "+cookie", "appserver-1.ec2", "A", tool="kdig")
    assert "replica-0" in kdig and re.search(r"COOKIE: [0-9a-f]{48}\b", kdig, re.IGNORECASE), kdig


def test_cookies_off_and_nsid_changed_by_a_reload(tmp_path):
    server = Fedns(tmp_path, instances=FLEET, dns_extra="cookies = false\n").start()
    try:
        response = ask(server, cookie(CLIENT_COOKIE), dns.edns.GenericOption(NSID, b""))
        assert option(response, COOKIE) is None and option(response, NSID) is None
        # Malformed cookies are not our business when cookies are off (as a server that does not know the option).
        assert rcode(ask(server, cookie(b"12345"))) == "NOERROR"
        server.config_path.write_text(server.config_path.read_text().replace("cookies = false\n", 'nsid = "after-reload"\n'))
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: option(ask(server, dns.edns.GenericOption(NSID, b"")), NSID) == b"after-reload",
                          message="the NSID after SIGHUP")
        assert option(ask(server, cookie(CLIENT_COOKIE)), COOKIE)[:8] == CLIENT_COOKIE
    finally:
        assert server.stop() == 0, server.log_text()
