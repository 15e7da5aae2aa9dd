"""Create the catalog database, run Alembic migrations programmatically (used by `objectsync migrate`, tests and
the demo), and tell which revision the catalog is at."""

from functools import cache
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from catalog.session import get_engine, sqlalchemy_url

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def ensure_database(admin_url: str, name: str) -> None:
    """Create the database `name` on the server `admin_url` reaches, unless it exists."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    if database_url:
        config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@cache
def head_revision() -> str | None:
    """The newest migration this code ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(timeout: str = "2s") -> str | None:
    """The migration the catalog is at; raises when the catalog cannot be reached within `timeout`."""
    with get_engine().connect() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = '{timeout}'"))
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
