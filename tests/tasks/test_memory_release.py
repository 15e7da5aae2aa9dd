"""Worker memory: after a crawl task a pool process hands what the crawl freed back to the system (glibc), and
the collector never touches the objects the pool processes share with the main process."""

from __future__ import annotations

import platform

import psutil
import pytest

from workers.memory_release import release_freed_memory

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


@glibc_only
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


def test_the_worker_freezes_what_it_imported_before_the_pool_forks() -> None:
    import gc

    from workers.celery_app import _freeze_imported_objects

    before = gc.get_freeze_count()
    try:
        _freeze_imported_objects()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_crawls_and_relays_hand_their_pages_back_after_running(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    import workers.memory_release
    from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, DELIVER_WEBHOOKS, RELAY_EVENTS
    from workers.celery_app import _release_batch_memory

    trimmed_after: list[str] = []
    for name in (CRAWL_CONNECTION, CRAWL_SCHEMA, RELAY_EVENTS, DELIVER_WEBHOOKS):
        monkeypatch.setattr(workers.memory_release, "release_freed_memory", lambda n=name: trimmed_after.append(n))
        _release_batch_memory(task=SimpleNamespace(name=name))
    assert trimmed_after == [CRAWL_CONNECTION, CRAWL_SCHEMA, RELAY_EVENTS]
