"""The catalog engine's pool holds what a threads-pool worker asks of it at once."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from sqlalchemy import text

from catalog.session import get_engine
from settings import get_settings

pytestmark = pytest.mark.usefixtures("catalog")


def test_eight_threads_each_holding_a_session_a_claim_and_a_read_slot_get_their_connections() -> None:
    """Eight running subtasks hold 24 connections; a pool of ten made the eleventh wait 30 s and fail the subtask."""
    engine = get_engine()
    assert get_settings().catalog_max_connections >= 24
    with ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for _ in range(24)]
        assert len({c.execute(text("SELECT pg_backend_pid()")).scalar() for c in connections}) == 24
        assert engine.pool.checkedout() == 24
