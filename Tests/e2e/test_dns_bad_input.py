"""Bad input of every kind: FORMERR or silence, closed connections, and a server that keeps serving."""

from __future__ import annotations

import random
import socket
import struct
import time

import dns.message
import pytest

from fednsproc import answers, rcode
from test_dns_clients import read_tcp_message


def udp_exchange(port: int, payload: bytes, timeout: float = 0.5) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, ("127.0.0.1", port))
        try:
            return sock.recvfrom(65535)[0]
        except socket.timeout:
            return None


def header(qd=1, an=0, ns=0, ar=0, flags=0x0100, ident=0xBEEF) -> bytes:
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


QUESTION = b"\x03web\x03ec2\x00\x00\x01\x00\x01"

MALFORMED = {
    "pointer loop": header() + b"\xc0\x0c\x00\x01\x00\x01",
    "forward pointer": header() + b"\xc0\x20\x00\x01\x00\x01" + b"\x00" * 30,
    "label 0x41": header() + b"\x41" + b"a" * 65 + b"\x00\x00\x01\x00\x01",
    "counts beyond the packet": header(qd=1, an=0xFFFF) + QUESTION,
    "truncated question": header() + b"\x03we",
    "two OPT records": header(ar=2) + QUESTION + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00" * 2,
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_gets_formerr(server, name):
    reply = udp_exchange(server.port, MALFORMED[name])
    assert reply is not None, "expected FORMERR, got silence"
    parsed_id, flags = struct.unpack("!HH", reply[:4])
    assert parsed_id == 0xBEEF
    assert flags & 0x8000 and flags & 0x000F == 1  # QR, FORMERR
    assert answers(server.query("appserver-1.ec2")) == ["54.20.0.11"]


def test_no_question_and_two_questions_are_formerr(server):
    for payload in (header(qd=0), header(qd=2) + QUESTION + QUESTION):
        reply = udp_exchange(server.port, payload)
        assert reply is not None and struct.unpack("!H", reply[2:4])[0] & 0xF == 1


@pytest.mark.parametrize("payload", [b"", b"\x12", b"\x12\x34\x01", header(flags=0x8100) + QUESTION],
                         ids=["empty", "one byte", "short header", "QR=1"])
def test_runts_and_responses_are_dropped(server, payload):
    assert udp_exchange(server.port, payload) is None
    assert answers(server.query("appserver-1.ec2")) == ["54.20.0.11"]


def test_unknown_opcode_is_notimp(server):
    for opcode in (1, 2, 3, 5, 15):
        reply = udp_exchange(server.port, header(flags=opcode << 11) + QUESTION)
        assert reply is not None and struct.unpack("!H", reply[2:4])[0] & 0xF == 4


def test_random_garbage_never_stops_the_server(server):
    generator = random.Random(20261121)
    valid = dns.message.make_query("appserver-1.ec2", "A").to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for round_number in range(3000):
            if round_number % 2:
                payload = bytes(generator.getrandbits(8) for _ in range(generator.randrange(0, 300)))
            else:
                mutated = bytearray(valid)
                for _ in range(generator.randrange(1, 6)):
                    mutated[generator.randrange(len(mutated))] = generator.getrandbits(8)
                payload = bytes(mutated)
            sock.sendto(payload, ("127.0.0.1", server.port))
    time.sleep(0.3)
    assert server.alive()
    assert answers(server.query("appserver-1.ec2")) == ["54.20.0.11"]
    assert answers(server.query("appserver-1.ec2", tcp=True)) == ["54.20.0.11"]


def closed_after(sock: socket.socket, limit: float) -> float:
    """Seconds until the server closes the connection (recv returns b"" or the reset arrives)."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_idle_tcp_connection_is_closed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        wire = dns.message.make_query("appserver-1.ec2", "A").to_wire()
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        assert answers(dns.message.from_wire(read_tcp_message(sock))) == ["54.20.0.11"]
        elapsed = closed_after(sock, 10)  # configured idle timeout: 2 s
    assert 1.5 <= elapsed <= 4, elapsed


@pytest.mark.parametrize("payload", [b"\x00", b"\x00\x40\x12\x34", b"\xff\xff" + b"x" * 10],
                         ids=["one length byte", "half a message", "65535-byte announcement"])
def test_slow_or_partial_tcp_message_is_cut_off(server, payload):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(payload)
        elapsed = closed_after(sock, 10)  # configured partial timeout: 1 s
    assert 0.5 <= elapsed <= 3, elapsed
    assert answers(server.query("appserver-1.ec2", tcp=True)) == ["54.20.0.11"]


def test_zero_length_tcp_message_closes(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"\x00\x00")
        assert closed_after(sock, 5) < 1


def test_tcp_connection_cap(server):
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(16)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            assert closed_after(extra, 5) < 1
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    assert answers(server.query("appserver-1.ec2", tcp=True)) == ["54.20.0.11"]


def test_tcp_messages_with_garbage_are_answered_per_message(server):
    bad = header() + b"\xc0\x0c\x00\x01\x00\x01"
    good = dns.message.make_query("appserver-2.ec2", "A").to_wire()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(struct.pack("!H", len(bad)) + bad + struct.pack("!H", len(good)) + good)
        first = read_tcp_message(sock)
        second = dns.message.from_wire(read_tcp_message(sock))
    assert struct.unpack("!H", first[2:4])[0] & 0xF == 1
    assert rcode(second) == "NOERROR" and answers(second) == ["10.20.2.12"]
