"""After a crawl task, a worker process hands the memory the crawl freed back to the system (glibc)."""

from __future__ import annotations

import platform

import psutil
import pytest

from workers.memory_release import release_freed_memory

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


def test_freed_heap_pages_go_back_to_the_system() -> None:
    process = psutil.Process()
    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # ~190 MiB below the mmap threshold: heap pages
    keep = blocks[-1]  # a live block at the top of the heap, so freeing the rest leaves holes, not a shorter heap
    before = process.memory_info().rss
    del blocks
    assert release_freed_memory()
    after = process.memory_info().rss
    assert before - after > 100 * 2**20, (before, after)
    assert len(keep) == 64 * 1024
