"""Alembic environment: the URL comes from the settings object (or an explicit sqlalchemy.url)."""

from alembic import context
from sqlalchemy import create_engine, pool

from catalog.session import sqlalchemy_url
from models import Base
from settings import get_settings

config = context.config


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or sqlalchemy_url(get_settings().database_url or "")


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
