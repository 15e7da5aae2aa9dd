"""The worker's kept platform sessions: reused while fresh, replaced once idle too long."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from catalog.session import session_scope
from models import Connection
from services.crawl.connector_pool import close_pooled_connectors, open_connector
from tests.conftest import reset_settings
from tests.support.pipeline import register_source

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def connection_id(source_db: str) -> Iterator[int]:
    register_source("pg", source_db)
    with session_scope() as session:
        yield session.scalar(select(Connection.id).where(Connection.key == "pg"))
    close_pooled_connectors()


def test_a_fresh_session_is_reused(connection_id: int) -> None:
    with open_connector(connection_id) as first:
        pass
    with open_connector(connection_id) as second:
        assert second is first


def test_a_session_idle_past_the_maximum_age_is_replaced(connection_id: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """So a grant revoked meanwhile (CONNECT) is met by the next crawl, not hidden by an old session."""
    monkeypatch.setenv("OBJECTSYNC_REMOTE_SESSION_MAX_IDLE_SECONDS", "0")
    reset_settings()
    try:
        with open_connector(connection_id) as first:
            first.list_hierarchy()
        with open_connector(connection_id) as second:
            assert second is not first
    finally:
        monkeypatch.delenv("OBJECTSYNC_REMOTE_SESSION_MAX_IDLE_SECONDS")
        reset_settings()
