"""A TCP proxy on loopback that can go silent: connections stay open, bytes are taken and never passed on.

That is what a stateful firewall or a NAT that dropped its entry looks like from the client: connecting works
(the proxy accepts), every read waits forever. Only a client-side deadline gets the client out.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SilentProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.silent = threading.Event()
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="silent-proxy", daemon=True).start()

    def silence(self) -> None:
        self.silent.set()

    def resume(self) -> None:
        self.silent.clear()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = None
        if not self.silent.is_set():
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
                self.sockets.append(upstream)
            except OSError:
                client.close()
                return
        peers = {client: upstream, upstream: client} if upstream else {client: None}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            while not self.closed.is_set():
                for key, _ in selector.select(timeout=0.5):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    destination = peers[source]
                    if destination is not None and not self.silent.is_set():
                        destination.sendall(data)


@contextmanager
def silent_proxy(target_host: str, target_port: int) -> Iterator[SilentProxy]:
    proxy = SilentProxy(target_host, target_port)
    try:
        yield proxy
    finally:
        proxy.close()
