"""Credentials at rest: Fernet-encrypted JSON; the key comes from OBJECTSYNC_SECRET_KEY."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from domain.errors import Unavailable
from settings import get_settings


class SecretKeyUnusable(Unavailable):
    """The configured key is malformed, or is not the key the stored secrets were encrypted with."""


def _fernet() -> Fernet:
    settings = get_settings()
    key = settings.secret_key or _local_key(settings.home)
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise SecretKeyUnusable("OBJECTSYNC_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes)") from exc


def _local_key(home: Path) -> str:
    """Single-machine use only: a key file created once in the objectsync home directory."""
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode())
    return path.read_text().strip()


def encrypt_secret(value: dict[str, Any] | str) -> bytes:
    return _fernet().encrypt(json.dumps(value).encode())


def decrypt_secret(token: bytes | None) -> Any:
    if token is None:
        return {}
    try:
        return json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken as exc:
        raise SecretKeyUnusable(
            "stored credentials cannot be decrypted with the configured OBJECTSYNC_SECRET_KEY") from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()
