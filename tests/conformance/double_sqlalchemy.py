"""Generic SQLAlchemy connector double: postgresql+psycopg against a scratch PostgreSQL database."""

from __future__ import annotations

from connectors.base import Connector
from connectors.sqlalchemy_generic import SqlAlchemyConnector
from tests.conformance.double_postgresql import PostgresDouble


class SqlAlchemyDouble(PostgresDouble):
    technology = "sqlalchemy"
    has_identity = False  # the Inspector reports no object identity
    proves_column_renames = False  # nor a column identity
    special_kinds = None  # type: ignore[assignment]  # the Inspector lists tables and views only

    def connector(self) -> Connector:
        return SqlAlchemyConnector({"url": f"postgresql+psycopg://{self.hostname}:{self.port}/{self.database}"},
                                   {"username": self.role})
