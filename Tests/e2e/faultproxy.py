"""A small HTTP proxy in front of moto that can misbehave on demand, the way AWS does on a bad day.

Modes (set with `proxy.mode = ...` from the test, which shares the process); each applies per request:
- "pass": forward the request unchanged (the Host header is kept, so SigV4 signatures still verify);
- "throttle": HTTP 503 with EC2's RequestLimitExceeded error document;
- "error500": HTTP 500 with EC2's InternalError document;
- "unavailable": HTTP 503 with EC2's Unavailable document;
- "reset": read the request, then reset the connection (RST, no answer);
- "refuse": close the connection without answering (FIN);
- "stall": accept the request and never answer (the client's request timeout must fire);
- "truncate": forward, then cut the XML answer in half;
- "garble": forward, then send the answer's bytes scrambled (still with its length);
- "drip": forward, then send the body a few bytes at a time, slower than any request timeout allows;
- "expired": HTTP 400 with ExpiredToken, as AWS answers a request signed with expired temporary credentials;
- "skew": the proxy's clock runs `skew_seconds` (20 minutes) ahead: a request signed more than 5 minutes away
  from it gets EC2's 400 RequestExpired, every answer carries that clock's `Date` (how AWS tells a client its
  clock is off), and requests signed with the corrected time are forwarded;
- "record": forward, and keep each answer under its request (signing region and body);
- "replay": answer a recorded request from the recording without asking upstream (the AWS benchmark uses this to
  refresh without moto's rendering time and CPU); anything else is forwarded.

Independently of the mode, `deny_assume_role = True` answers STS AssumeRole with 403 AccessDenied, and
`expire_keys` (access key IDs) answers requests signed with those keys with ExpiredToken: together they make a
role that can no longer be assumed. `requests` counts requests.

In every mode, `consoles` (instance id -> text) answers EC2 GetConsoleOutput for those instances with that text, as
cloud-init's console would have it (moto's own answer is a fixed kernel log), and each request's action and signing
access key are kept in `calls`, so a test can tell which identity made which call; `timeline` keeps each request's
arrival time, action, signing region and access key, so a test can measure request rates per account and region.

Throttling beside the modes:
- `throttle_next = N`: the next N calls of an action in `throttle_actions` (DescribeInstances by default) are
  answered with RequestLimitExceeded, then calls pass again; `throttled` counts the throttling answers sent.
- `ec2_bucket = (capacity, refill per second)`: EC2's own request token bucket per access key, region and action
  (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): a call that finds its bucket empty is
  throttled, as EC2 would.
- `latency` (seconds): every answer waits this long first, as a real endpoint across a network would.
"""

from __future__ import annotations

import base64
import calendar
import email.utils
import http.server
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from xml.sax.saxutils import escape


def ec2_error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
    ).encode()


def sts_error(code: str, message: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    ).encode()


THROTTLED = ec2_error("RequestLimitExceeded", "Request limit exceeded.")
INTERNAL = ec2_error("InternalError", "An internal error has occurred.")
UNAVAILABLE = ec2_error("Unavailable", "The server is overloaded and can't handle the request.")
EXPIRED = ec2_error("ExpiredToken", "The security token included in the request is expired")
ACCESS_DENIED = sts_error("AccessDenied", "User is not authorized to perform: sts:AssumeRole on the role")


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.mode = "pass"
        self.requests = 0
        self.skew_seconds = 20 * 60
        self.drip_interval = 0.25  # seconds between pieces of 64 bytes
        self.deny_assume_role = False
        self.expire_keys: set[str] = set()
        self.recorded: dict[tuple[str, str, bytes], tuple[int, bytes]] = {}
        self.consoles: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []  # (Action, access key id or "" when unsigned)
        self.issued: list[str] = []  # access key ids upstream handed out (AssumeRole*'s answers)
        self.timeline: list[tuple[float, str, str, str]] = []  # (time.monotonic(), Action, region, access key)
        self.throttle_next = 0
        self.throttle_actions = {"DescribeInstances"}
        self.throttled = 0
        self.ec2_bucket: tuple[float, float] | None = None
        self.buckets: dict[tuple[str, str, str], tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self.latency = 0.0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 (http.server's naming)
                proxy.requests += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                form = urllib.parse.parse_qs(body.decode(errors="replace"))
                action = form.get("Action", [""])[0]
                authorization = self.headers.get("Authorization", "")
                signer = re.search(r"Credential=([^/]+)/", authorization)
                # The same body means the same call only within one region, which SigV4's credential scope names.
                scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/", authorization)
                access_key, region = signer.group(1) if signer else "", scope.group(1) if scope else ""
                service = scope.group(2) if scope else ""
                proxy.calls.append((action, access_key))
                proxy.timeline.append((time.monotonic(), action, region, access_key))
                if proxy.latency:
                    time.sleep(proxy.latency)
                if proxy.should_throttle(action, region, access_key, service):
                    return self.reply(503, THROTTLED)
                instance_id = form.get("InstanceId", [""])[0]
                if action == "GetConsoleOutput" and instance_id in proxy.consoles:
                    return self.reply(200, console_response(instance_id, proxy.consoles[instance_id]))
                mode = proxy.mode
                if proxy.deny_assume_role and action == "AssumeRole":
                    return self.reply(403, ACCESS_DENIED)
                if access_key in proxy.expire_keys:
                    return self.reply(400, EXPIRED)
                if mode == "throttle":
                    return self.reply(503, THROTTLED)
                if mode == "error500":
                    return self.reply(500, INTERNAL)
                if mode == "unavailable":
                    return self.reply(503, UNAVAILABLE)
                if mode == "expired":
                    return self.reply(400, EXPIRED)
                if mode == "stall":
                    time.sleep(3600)
                    return None
                if mode == "refuse":
                    self.close_connection = True
                    return None
                if mode == "reset":
                    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return None
                if mode == "skew" and not self.signed_near(proxy.now()):
                    return self.reply(400, ec2_error("RequestExpired", "Request has expired."))
                # Accounts differ by access key: the same call of two accounts has two answers.
                key = (region, access_key, body)
                if mode == "replay" and key in proxy.recorded:
                    return self.reply(*proxy.recorded[key])
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method="POST")
                for name, value in self.headers.items():
                    if name.lower() not in ("content-length", "connection", "accept-encoding"):
                        request.add_header(name, value)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                issued = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", payload)
                if action.startswith("AssumeRole") and issued:
                    proxy.issued.append(issued.group(1).decode())
                if mode == "truncate":
                    payload = payload[: len(payload) // 2]
                if mode == "garble":
                    # Every 7th byte replaced: tags and entities break, the length stays.
                    payload = bytes(b if i % 7 else (b ^ 0x5A) for i, b in enumerate(payload))
                if mode == "record":
                    proxy.recorded[key] = (status, payload)
                if mode == "drip":
                    return self.reply(status, payload, drip=True)
                return self.reply(status, payload)

            do_GET = do_POST

            def signed_near(self, now: float) -> bool:
                """Whether the request's X-Amz-Date is within 5 minutes of `now` (SigV4's allowance)."""
                stamp = self.headers.get("X-Amz-Date", "")
                try:
                    signed = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
                except ValueError:
                    return False
                return abs(signed - now) <= 300

            def reply(self, status: int, payload: bytes, drip: bool = False):
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                if proxy.mode == "skew":
                    self.send_header("Date", email.utils.formatdate(proxy.now(), usegmt=True))
                self.end_headers()
                if not drip:
                    self.wfile.write(payload)
                    return
                try:
                    for start in range(0, len(payload), 64):
                        self.wfile.write(payload[start : start + 64])
                        self.wfile.flush()
                        time.sleep(proxy.drip_interval)
                except OSError:
                    self.close_connection = True  # the client gave up, as it should

            def send_response(self, code, message=None):
                # http.server adds its own Date; in skew mode the one sent must be the proxy's clock.
                self.log_request(code)
                self.send_response_only(code, message)
                self.send_header("Server", "fault-proxy")
                if proxy.mode != "skew":
                    self.send_header("Date", self.date_time_string())

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def now(self) -> float:
        """The proxy's clock: real time, or `skew_seconds` ahead in skew mode."""
        return time.time() + (self.skew_seconds if self.mode == "skew" else 0)

    def should_throttle(self, action: str, region: str, access_key: str, service: str) -> bool:
        """Whether this call gets RequestLimitExceeded: one of the next `throttle_next`, or EC2's bucket is empty."""
        with self.lock:
            throttle = False
            if self.throttle_next > 0 and action in self.throttle_actions:
                self.throttle_next -= 1
                throttle = True
            elif self.ec2_bucket and service == "ec2":
                capacity, refill = self.ec2_bucket
                now = time.monotonic()
                tokens, last = self.buckets.get((access_key, region, action), (capacity, now))
                tokens = min(capacity, tokens + (now - last) * refill)
                throttle = tokens < 1
                self.buckets[(access_key, region, action)] = (tokens if throttle else tokens - 1, now)
            self.throttled += throttle
            return throttle

    def actions(self, action: str) -> list[str]:
        """The access keys that signed each call of `action` so far, in order."""
        return [key for name, key in self.calls if name == action]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def console_response(instance_id: str, text: str) -> bytes:
    """EC2's GetConsoleOutput answer: the output base64-encoded, as the API sends it."""
    output = base64.b64encode(text.encode()).decode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<GetConsoleOutputResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>console-proxy</requestId><instanceId>{escape(instance_id)}</instanceId>"
        f"<timestamp>2026-12-01T10:00:00.000Z</timestamp><output>{output}</output></GetConsoleOutputResponse>"
    ).encode()


def cloud_init_console(*public_keys: str) -> str:
    """What cloud-init prints to the console at the end of first boot: fingerprints, then the keys themselves."""
    keys = "".join(f"{key.strip()}\r\n" for key in public_keys)
    return (
        "[   10.000000] cloud-init[700]: Cloud-init v. 23.1.2 running 'modules:final'\r\n"
        "ec2: #############################################################\r\n"
        "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\r\nec2: 256 SHA256:x root@host (ED25519)\r\n"
        "ec2: -----END SSH HOST KEY FINGERPRINTS-----\r\n"
        "ec2: #############################################################\r\n"
        f"-----BEGIN SSH HOST KEY KEYS-----\r\n{keys}-----END SSH HOST KEY KEYS-----\r\n"
        "[   11.000000] cloud-init[700]: Cloud-init v. 23.1.2 finished\r\n"
    )
