"""The Alembic migrations build exactly the schema the SQLAlchemy models describe, and undo cleanly."""

from __future__ import annotations

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from catalog.migrate import alembic_config, upgrade
from catalog.session import sqlalchemy_url
from models import Base
from tests.conftest import RUN_ID, create_database, drop_database


def test_migrated_catalog_matches_the_models(catalog_url: str) -> None:
    engine = create_engine(sqlalchemy_url(catalog_url))
    try:
        with engine.connect() as conn:
            drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert drift == []


def test_every_migration_downgrades_and_upgrades_again() -> None:
    name = f"objectsync_test_migrations_{RUN_ID}"
    url = create_database(name)
    try:
        upgrade(url)
        config = alembic_config(url)
        command.downgrade(config, "base")
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        assert left == [("alembic_version",)]
        command.upgrade(config, "head")
        engine = create_engine(sqlalchemy_url(url))
        try:
            with engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        finally:
            engine.dispose()
    finally:
        drop_database(name)
