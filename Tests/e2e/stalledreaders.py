"""TCP clients that send a burst of pipelined DNS queries and never read a reply: what the abuse test and
bench/dns-abuse hold against fedns. Each sends from a thread of its own (sendall blocks once fedns stops reading,
which is the point) with a tiny receive buffer, so replies back up on fedns's side at once."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path


def rss_mb(pid: int) -> float:
    line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


class StalledReaders:
    def __init__(self, port: int, query: bytes, *, clients: int, queries_each: int):
        self.burst = (struct.pack("!H", len(query)) + query) * queries_each
        self.port = port
        self.sockets: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._stall) for _ in range(clients)]

    def _stall(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sockets.append(sock)
        sock.settimeout(30)
        try:
            sock.sendall(self.burst)
        except OSError:
            pass  # closed by fedns's idle timeout, or timed out: either way, done

    def start(self) -> "StalledReaders":
        for thread in self.threads:
            thread.start()
        return self

    def close(self) -> None:
        for thread in self.threads:
            thread.join(40)
        for sock in self.sockets:
            sock.close()
