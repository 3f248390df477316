"""A TCP forwarder on a loopback port that can cut the path the way a network partition does.

- `pass`: bytes flow both ways between each client and a new connection to the upstream port;
- `blackhole()`: nothing flows any more and nothing is refused: established connections go silent (their bytes stay
  unread), new connections are accepted and then ignored, like packets dropped by a broken link or firewall;
- `heal()`: the path works again; every connection that lived through the partition is reset (as a stateful
  firewall or NAT that lost its state does), so clients reconnect.
"""

from __future__ import annotations

import select
import socket
import threading


class TCPProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.silent = threading.Event()
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def blackhole(self) -> None:
        self.silent.set()

    def heal(self) -> None:
        with self.lock:
            doomed, self.sockets = self.sockets, []
        for sock in doomed:
            self._reset(sock)
        self.silent.clear()

    def close(self) -> None:
        self.closed.set()
        self.heal()
        self.listener.close()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        try:
            # Linger 0: close sends RST, as a middlebox that forgot the connection answers.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
        except OSError:
            pass

    def _track(self, *socks: socket.socket) -> None:
        with self.lock:
            self.sockets.extend(socks)

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._track(client)
            if self.silent.is_set():
                continue  # accepted and ignored until heal() resets it
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._reset(client)
                continue
            self._track(server)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self.closed.is_set():
                if self.silent.is_set():
                    # Partitioned: read nothing, send nothing, until heal() resets both ends.
                    if client.fileno() < 0 or server.fileno() < 0:
                        return
                    self.closed.wait(0.05)
                    continue
                readable, _, _ = select.select([client, server], [], [], 0.1)
                for sock in readable:
                    if self.silent.is_set():
                        break
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            for sock in (client, server):
                try:
                    sock.close()
                except OSError:
                    pass
