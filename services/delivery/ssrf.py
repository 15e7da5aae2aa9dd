"""Refuse webhook URLs that would make this service call into its own network (SSRF).

Checked when a subscription is saved and again before every delivery, because a name that resolved to a
public address yesterday may resolve to 127.0.0.1 today (DNS rebinding). A delivery then connects to the very
address that was checked (`pinned_target`), keeping the Host header and TLS server name of the original URL.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit, urlunsplit

from domain.errors import Invalid

ALLOWED_SCHEMES = ("http", "https")


class UnsafeWebhookUrl(Invalid):
    """The URL is malformed, not http(s), or resolves to an address this service must not call."""


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """Where to send: `url` names the checked IP address; headers and extensions restore the original host."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def pinned_target(url: str, *, allow_private: bool) -> PinnedTarget:
    """Check the URL and pin it to the address that passed the check (no second DNS lookup to race)."""
    parts = _parse(url)
    if allow_private:
        return PinnedTarget(url)
    addresses = _resolve(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    for address in addresses:
        _require_public(parts.hostname or "", address)
    return pin(parts, addresses[0])


def pin(parts: SplitResult, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> PinnedTarget:
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    original_host = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
    return PinnedTarget(urlunsplit(parts._replace(netloc=netloc)), {"host": original_host}, extensions)


def check_webhook_url(url: str, *, allow_private: bool) -> str:
    """Return the URL if it is acceptable; raise UnsafeWebhookUrl saying why not."""
    parts = _parse(url)
    if allow_private:
        return url
    for address in _resolve(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)):
        _require_public(parts.hostname or "", address)
    return url


def _require_public(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if not _is_public(address):
        raise UnsafeWebhookUrl(
            f"webhook host {host!r} resolves to {address}, a private, loopback, link-local or "
            "reserved address; set OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true to allow it"
        )


def _parse(url: str) -> SplitResult:
    if not isinstance(url, str) or not url or len(url) > 2048 or any(c.isspace() for c in url):
        raise UnsafeWebhookUrl("webhook URL must be a non-empty http(s) URL without spaces, at most 2048 characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UnsafeWebhookUrl(f"webhook URL is malformed: {exc}") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UnsafeWebhookUrl(f"webhook URL scheme must be http or https, got {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise UnsafeWebhookUrl("webhook URL has no host")
    if parts.port == 0:
        raise UnsafeWebhookUrl("webhook URL port must be 1-65535")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("webhook URL must not carry credentials; use the signing secret instead")
    return parts


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhookUrl(f"webhook host {host!r} does not resolve: {exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


#: IPv6 ranges that carry an IPv4 address inside: NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4
#: (2002::/16), and the deprecated IPv4-compatible form (::a.b.c.d). Judged by the IPv4 address they reach.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64) or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return _is_public(embedded) and not any(address in network for network in _NAT64[1:])
    return address.is_global and not address.is_multicast
