"""Returning the memory a large crawl freed to the operating system.

A schema subtask builds and drops the snapshot, the diff and its events; Python frees them, but the C allocator
keeps the freed pages in its heap, so a worker process's resident size stays at its largest subtask's peak.
glibc's malloc_trim hands them back. Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_freed_memory() -> bool:
    """Give the pages the allocator holds free back to the system; whether it could be asked to."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
