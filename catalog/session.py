"""Engine and session factory, created lazily per process (Celery forks after import).

Layers above the catalog take their `Session` type from here, never from SQLAlchemy itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from psycopg import Cursor
from sqlalchemy import ColumnElement, CursorResult, Engine, Result, create_engine, func
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import Unavailable
from domain.json_text import loads
from settings import get_settings

_engines: dict[tuple[int, str], Engine] = {}


class CatalogNotConfigured(Unavailable):
    pass


def sqlalchemy_url(database_url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+psycopg:// and always use psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    raise CatalogNotConfigured(f"DATABASE_URL must be a PostgreSQL URL, got scheme {database_url.split(':', 1)[0]!r}")


def get_engine() -> Engine:
    settings = get_settings()
    url = settings.database_url
    if not url:
        raise CatalogNotConfigured("DATABASE_URL is not set")
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        engine = create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=5,
                               max_overflow=settings.catalog_max_connections - 5,
                               json_deserializer=loads)  # event payloads: a relay pass reads thousands
        _engines[key] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


def unit_of_work() -> Iterator[Session]:
    """A session committed when the work returns and rolled back when it raises; closed either way.

    A failing commit (or an after-commit hook, such as the broker refusing the task messages) raises its own
    error unchanged: no rollback follows it, whose own complaint would take its place. As a generator it serves
    the API's and the console's request-scoped dependency; `session_scope` is the same as a `with` block.
    """
    session = session_factory()()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.close()


#: `with session_scope() as session:` — one unit of work.
session_scope = contextmanager(unit_of_work)


def raw_cursor(session: Session) -> Cursor[Any]:
    """A psycopg cursor on the session's own connection and transaction, for COPY, unnest and executemany.

    Only catalog store modules use it: everything above them passes its Session.
    """
    driver = session.connection().connection.driver_connection
    if driver is None:
        raise RuntimeError("the session's database connection is closed")
    return driver.cursor()


def affected_rows(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE run through `session.execute` touched."""
    return cast(CursorResult[Any], result).rowcount


def transaction_time() -> ColumnElement[datetime]:
    """PostgreSQL's `now()`, the transaction's start time, for a timestamp column set through the ORM."""
    return func.now()
