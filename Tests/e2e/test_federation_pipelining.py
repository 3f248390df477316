"""HTTP/1.1 keep-alive and pipelining at the federation endpoint: many requests in one write, mixed methods and
bodies, answered in request order on one connection; `Connection: close` and HTTP/1.0 end the connection after
their answer; a client that sends far more than it reads still gets every answer, in order."""

from __future__ import annotations

import json
import select
import ssl
import time

from fedfixtures import site  # noqa: F401 - the fixture
from fedhttps import BOB, tls_socket


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)

    def comparable(self) -> tuple:
        """Everything but the Date header, which changes with the second."""
        return self.status, sorted((k, v) for k, v in self.headers if k != "date"), self.body


class ResponseReader:
    """Reads HTTP/1.1 responses off one socket, one at a time, by their framing (Content-Length)."""

    def __init__(self, sock: ssl.SSLSocket):
        self.sock, self.buffer = sock, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buffer += chunk

    def read(self, head_request: bool = False) -> Response:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 "), lines[0]
        status = int(lines[0][9:12])
        headers = [(k.strip().lower(), v.strip()) for k, v in (line.split(":", 1) for line in lines[1:])]
        length = 0 if head_request or status in (204, 304) else int(dict(headers).get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Response(status, headers, body)

    def closed(self, within: float = 5) -> bool:
        self.sock.settimeout(within)
        try:
            return not self.buffer and not self.sock.recv(1)
        except (ssl.SSLError, OSError):
            return True


def request(site, target: str, method: str = "GET", extra: str = "", body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: {site.domain}\r\n{extra}"
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def test_pipelined_requests_are_answered_in_order_whichever_path_they_take(site):
    bob = f"/federation?type=name&q=bob*{site.domain}"
    alice = f"/federation?type=name&q=alice*{site.domain}"
    with tls_socket(site.port, site.ca) as sock:
        # Alone, on an idle connection.
        sock.sendall(request(site, bob))
        reader = ResponseReader(sock)
        alone = reader.read()
        assert alone.status == 200 and json.loads(alone.body)["account_id"] == BOB

        # In one write, with a body in the middle of the stream: the answers leave in request order.
        sock.sendall(
            request(site, "/federation", method="POST", body=b"type=name")
            + request(site, bob)
            + request(site, "/.well-known/stellar.toml", method="HEAD")
            + request(site, alice, extra="Origin: https://wallet.example\r\n")
            + request(site, bob, method="OPTIONS", extra="Access-Control-Request-Method: GET\r\n")
            + request(site, "/nowhere")
            + request(site, bob, extra="Connection: close\r\n")
            + request(site, alice))   # after a close: never answered
        answers = [reader.read(), reader.read(), reader.read(head_request=True), reader.read(), reader.read(),
                   reader.read(), reader.read()]
        assert [a.status for a in answers] == [405, 200, 200, 200, 204, 404, 200]
        assert answers[0].header("allow") == "GET, HEAD, OPTIONS"
        assert answers[2].header("content-type") == "text/plain; charset=utf-8"
        assert json.loads(answers[3].body)["stellar_address"] == f"alice*{site.domain}"
        assert answers[6].header("connection") == "close"
        assert reader.closed(), "the connection stayed open after Connection: close"

    # The same request, pipelined behind others or alone: the same answer.
    assert answers[1].comparable() == alone.comparable()
    # Every answer carries the site's headers.
    for answer in [alone, *answers]:
        assert answer.header("strict-transport-security"), answer.headers
        assert answer.header("access-control-allow-origin") == "*", answer.headers
        assert answer.header("date"), answer.headers


def test_many_keep_alive_requests_on_one_connection(site):
    bob = f"/federation?type=name&q=bob*{site.domain}"
    with tls_socket(site.port, site.ca) as sock:
        reader = ResponseReader(sock)
        for batch in range(20):
            sock.sendall(request(site, bob) * 50)
            for _ in range(50):
                assert reader.read().status == 200
        sock.sendall(request(site, bob, extra="Connection: close\r\n"))
        assert reader.read().header("connection") == "close"
        assert reader.closed()


def test_http_1_0_gets_its_answer_and_the_connection_closes(site):
    with tls_socket(site.port, site.ca) as sock:
        sock.sendall(f"GET /federation?type=name&q=bob*{site.domain} HTTP/1.0\r\nHost: {site.domain}\r\n\r\n".encode())
        reader = ResponseReader(sock)
        answer = reader.read()
        assert answer.status == 200 and json.loads(answer.body)["account_id"] == BOB
        assert reader.closed()


def exchange_without_blocking(sock: ssl.SSLSocket, payload: bytes, read_after: float, limit: float = 60) -> bytes:
    """Sends `payload`, reading nothing for the first `read_after` seconds, then reads and sends as each is possible;
    returns everything received once the server closes."""
    sock.setblocking(False)
    received, started = b"", time.monotonic()
    while time.monotonic() - started < limit:
        reading = time.monotonic() - started >= read_after
        readable, writable, _ = select.select([sock] if reading else [], [sock] if payload else [], [], 0.1)
        if writable:
            try:
                payload = payload[sock.send(payload[:16384]):]
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        if readable or (reading and sock.pending()):
            try:
                chunk = sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            if not chunk:
                return received
            received += chunk
    raise AssertionError("the exchange did not finish")


def test_a_slow_reader_still_gets_every_answer_in_order(site):
    """The client sends far more than it reads: once the socket's buffers fill the server stops reading, and every
    answer still arrives, in order, as the client catches up."""
    names = ["bob" if i % 2 else "alice" for i in range(3000)]
    payload = b"".join(request(site, f"/federation?type=name&q={name}*{site.domain}") for name in names)
    payload += request(site, "/stellar.txt", extra="Connection: close\r\n")
    with tls_socket(site.port, site.ca) as sock:
        received = exchange_without_blocking(sock, payload, read_after=1)
    reader = ResponseReader(None)
    reader.buffer = received
    for i, name in enumerate(names):
        answer = reader.read()
        assert answer.status == 200, i
        assert json.loads(answer.body)["stellar_address"].startswith(name + "*"), i
    assert reader.read().header("connection") == "close"
