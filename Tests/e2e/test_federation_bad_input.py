"""Bad input at the federation endpoint: every malformed request gets a 4xx or a closed connection, slow clients
are cut by the read timeout, TLS garbage just closes, and the server keeps serving throughout."""

from __future__ import annotations

import json
import os
import select
import socket
import ssl
import time

import pytest

from fedfixtures import seeded_localhost, site  # noqa: F401 - the fixture
from fedhttps import BOB, tls_socket


def read_until_closed(sock: socket.socket, limit: float = 10) -> bytes:
    """Everything the server sends until it closes (or `limit` seconds pass)."""
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, socket.timeout, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def raw_exchange(site, request: bytes) -> int | None:
    """Sends raw bytes over TLS (HOST replaced by the site's domain) and returns the first response's status
    (None: closed without one)."""
    with tls_socket(site.port, site.ca) as sock:
        sock.sendall(request.replace(b"HOST", site.domain.encode()))
        data = b""
        deadline = time.monotonic() + 10
        while b"\r\n" not in data and time.monotonic() < deadline:
            try:
                chunk = sock.recv(4096)
            except (ConnectionResetError, ssl.SSLError, OSError):
                break
            if not chunk:
                break
            data += chunk
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data[9:12])


def get(path: bytes, host: bytes = b"HOST", extra: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + extra + b"Connection: close\r\n\r\n"


def still_serving(site) -> bool:
    status, _, _ = site.server.get(site.ca, f"/federation?type=name&q=bob*{site.domain}")
    return status == 200 and site.server.alive()


BAD_REQUESTS = {
    "bad percent-encoding": get(b"/federation?type=name&q=bob%2*HOST"),
    "percent-encoded invalid UTF-8": get(b"/federation?type=name&q=%FF%FE*HOST"),
    "raw invalid UTF-8": get(b"/federation?type=name&q=\xff\xfe*HOST"),
    "repeated parameter": get(b"/federation?type=name&q=bob*HOST&type=id"),
    "missing q": get(b"/federation?type=name"),
    "unknown type": get(b"/federation?type=teleport&q=x"),
    "malformed address": get(b"/federation?type=name&q=***"),
    "malformed account": get(b"/federation?type=id&q=GABC"),
    "nameless parameter": get(b"/federation?=value"),
    "huge query": get(b"/federation?type=name&q=" + b"a" * 5000 + b"*HOST"),
    "enormous request line": get(b"/federation?type=name&q=" + b"a" * 200_000),
    "many parameters": get(b"/federation?" + b"&".join(b"p%d=1" % i for i in range(2000))),
    "huge header": get(b"/federation?type=name&q=bob*HOST", extra=b"X-Big: " + b"x" * 20_000 + b"\r\n"),
    "many headers": get(b"/.well-known/stellar.toml", extra=b"".join(b"X-H%d: 1\r\n" % i for i in range(200))),
    "no Host": b"GET /federation?type=name&q=bob*HOST HTTP/1.1\r\nConnection: close\r\n\r\n",
    "two Hosts": get(b"/stellar.txt", extra=b"Host: example.org\r\n"),
    "not HTTP": b"HELLO THERE\r\n\r\n",
    "bad method": b"BREW /federation HTTP/1.1\r\nHost: HOST\r\n\r\n",
    "bad version": b"GET /federation HTTP/9.9\r\nHost: HOST\r\n\r\n",
    "NUL in the path": get(b"/feder\x00ation"),
    "bad Content-Length": get(b"/stellar.txt", extra=b"Content-Length: -5\r\n"),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_malformed_requests_get_a_4xx_or_a_closed_connection(site, name):
    status = raw_exchange(site, BAD_REQUESTS[name])
    assert status is None or 400 <= status < 500, f"{name}: {status}"
    assert still_serving(site), site.server.log_text()[-3000:]


# Requests the HTTP/1 parser itself rejects, before any route sees them.
UNPARSEABLE = ["not HTTP", "NUL in the path", "bad Content-Length"]


@pytest.mark.parametrize("name", UNPARSEABLE)
def test_a_request_the_parser_rejects_gets_the_sites_json_400_and_headers(site, name):
    with tls_socket(site.port, site.ca) as sock:
        sock.sendall(BAD_REQUESTS[name].replace(b"HOST", site.domain.encode()))
        reply = read_until_closed(sock)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {key.lower(): value for key, _, value in (line.partition(": ") for line in lines[1:])}
    assert lines[0] == "HTTP/1.1 400 Bad Request", reply[:300]
    assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    assert "not valid HTTP/1.1" in json.loads(body)["error"]
    assert still_serving(site)


def test_a_body_on_get_is_ignored_and_a_broken_one_closes_the_connection(site):
    with tls_socket(site.port, site.ca) as sock:
        sock.sendall(b"GET /stellar.txt HTTP/1.1\r\nHost: example.org\r\nContent-Length: 5\r\n\r\nhello"
                     b"GET /stellar.txt HTTP/1.1\r\nHost: example.org\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        replies = read_until_closed(sock)
    # Both heads are answered (bodies are never read), then the malformed chunk ends the connection.
    assert replies.count(b"HTTP/1.1 200 OK") == 2, replies[:300]
    assert still_serving(site)


def test_tls_garbage_and_plain_http_just_close(site):
    for payload in [os.urandom(2000), b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", b"\x16\x03\x01\x00\x05hello"]:
        with socket.create_connection(("127.0.0.1", site.port), timeout=5) as sock:
            sock.sendall(payload)
            reply = read_until_closed(sock)
            assert b"HTTP/" not in reply
    assert still_serving(site)


@pytest.fixture(scope="module")
def impatient(tmp_path_factory):
    """A server with a 1 s read/idle timeout."""
    server, ca = seeded_localhost(tmp_path_factory.mktemp("impatient"), "Impatient Root", "idle_timeout = 1\n")
    server.start()
    yield server, ca
    server.stop()


def closed_after(sock: ssl.SSLSocket, at_most: float) -> float:
    """Seconds until the server closed the connection (fails if it did not within `at_most`)."""
    started = time.monotonic()
    sock.settimeout(at_most)
    read_until_closed(sock, at_most)
    elapsed = time.monotonic() - started
    assert elapsed < at_most, "the server kept the connection open"
    return elapsed


def dribble(sock: ssl.SSLSocket, data: bytes, every: float = 0.3, give_up: float = 6) -> float:
    """Sends `data` a byte every `every` seconds until the server closes; returns when that happened."""
    started = time.monotonic()
    for byte in data:
        readable, _, _ = select.select([sock], [], [], every)
        try:
            # A response may come first (the body case); only the end of the stream counts.
            if readable and not sock.recv(65536):
                break
            sock.sendall(bytes([byte]))
        except OSError:
            break
        if time.monotonic() - started > give_up:
            raise AssertionError("the server kept reading a request that never completed")
    else:
        raise AssertionError("the server read the whole dribble")
    return time.monotonic() - started


def test_a_client_trickling_its_request_is_cut(impatient):
    """Each byte comes well within the timeout, but the request is not complete within it."""
    server, ca = impatient
    with tls_socket(server.https_port, ca) as sock:
        sock.sendall(b"GET /federation?type=na")
        assert dribble(sock, b"me&q=bob*localhost HTTP/1.1\r\nHost: localhost\r\n" * 3) < 2.5


def test_a_body_dribbled_after_the_request_is_cut(impatient):
    server, ca = impatient
    with tls_socket(server.https_port, ca) as sock:
        sock.sendall(b"GET /stellar.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n")
        assert dribble(sock, b"x" * 1000) < 2.5


def test_an_idle_keep_alive_connection_is_closed(impatient):
    server, ca = impatient
    with tls_socket(server.https_port, ca) as sock:
        sock.sendall(b"GET /federation?type=name&q=bob*localhost HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        assert 0.5 < closed_after(sock, 4)


def test_a_stalled_handshake_is_closed(impatient):
    server, _ = impatient
    with socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01")   # the first bytes of a ClientHello, then nothing
        started = time.monotonic()
        read_until_closed(sock, 5)
        assert time.monotonic() - started < 4
    status, _, body = server.get(ca_file_of(server), "/federation?type=name&q=bob*localhost")
    assert status == 200 and BOB.encode() in body


def ca_file_of(server: FederationServer):
    return server.workdir.parent / "pki" / "ca.pem"
