"""HTTP requests sent byte for byte, so no client normalises a path or insists on sending a whole body."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from urllib.parse import urlparse


def raw_request(api_url: str, head: str, body_chunks: Iterable[bytes] = ()) -> tuple[int, bytes]:
    """Send a request exactly as written (no client normalises its path) and return (status, body)."""
    url = urlparse(api_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        response = b""
        try:
            _send_until_answered(sock, body_chunks)
            while data := sock.recv(65536):  # every request says "Connection: close"
                response += data
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after answering; what arrived before is the answer
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest


def _send_until_answered(sock: socket.socket, body_chunks: Iterable[bytes]) -> None:
    """Send the body, stopping as soon as the server answers (as it should, before reading a refused body).
    Never blocks in a send: a blocked send would miss the answer and meet the server's reset instead."""
    for chunk in body_chunks:
        view = memoryview(chunk)
        while view:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                return
            if writable:
                sock.setblocking(False)
                try:
                    view = view[sock.send(view):]
                except BlockingIOError:
                    pass
                finally:
                    sock.settimeout(30)
