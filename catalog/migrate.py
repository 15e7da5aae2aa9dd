"""Run Alembic migrations programmatically (used by `objectsync migrate`, tests and the demo)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from catalog.session import sqlalchemy_url

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    if database_url:
        config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
