"""A small HTTP proxy in front of moto that can misbehave on demand, the way AWS does on a bad day.

Modes (set with `proxy.mode = ...` from the test, which shares the process):
- "pass": forward the request unchanged (the Host header is kept, so SigV4 signatures still verify);
- "throttle": answer HTTP 503 with EC2's RequestLimitExceeded error document;
- "stall": accept the request and never answer (the client's request timeout must fire);
- "truncate": forward, then cut the XML answer in half;
- "refuse": close the connection without answering;
- "record": forward, and keep each answer under its request (signing region and body);
- "replay": answer a recorded request from the recording without asking upstream (the AWS benchmark uses this to
  refresh without moto's rendering time and CPU); anything else is forwarded.
"""

from __future__ import annotations

import http.server
import re
import threading
import time
import urllib.error
import urllib.request

THROTTLED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
    b"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
)


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.mode = "pass"
        self.requests = 0
        self.recorded: dict[tuple[str, bytes], tuple[int, bytes]] = {}
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 (http.server's naming)
                proxy.requests += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                mode = proxy.mode
                if mode == "throttle":
                    return self.reply(503, THROTTLED)
                if mode == "stall":
                    time.sleep(3600)
                    return None
                if mode == "refuse":
                    self.close_connection = True
                    return None
                # The same body means the same call only within one region, which SigV4's credential scope names.
                scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
                key = (scope.group(1) if scope else "", body)
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
                if mode == "truncate":
                    payload = payload[: len(payload) // 2]
                if mode == "record":
                    proxy.recorded[key] = (status, payload)
                return self.reply(status, payload)

            do_GET = do_POST

            def reply(self, status: int, payload: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
