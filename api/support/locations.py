"""The URLs a `Location` header points at."""

from __future__ import annotations

import uuid
from urllib.parse import quote


def job_location(bulk_id: uuid.UUID | str) -> str:
    return f"/jobs/{bulk_id}"


def connection_location(key: str) -> str:
    return f"/data/connection/{quote(key, safe='')}"
