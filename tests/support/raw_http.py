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
            for chunk in body_chunks:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server answered before the whole body went out, as it should
                sock.sendall(chunk)
            while data := sock.recv(65536):  # every request says "Connection: close"
                response += data
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after answering; what arrived before is the answer
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest
