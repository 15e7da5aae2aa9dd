"""Plain, immutable pictures of what a connector read from the remote platform."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Literal

from domain.json_text import dumps

TableKind = Literal["table", "view"]


# Not frozen: a frozen dataclass's __init__ costs three times as much, and a large first sync builds millions of
# these. Nothing assigns to one after the connector built it.
@dataclass(slots=True)
class RemoteColumn:
    name: str
    ordinal: int
    data_type: str
    nullable: bool = True
    comment: str | None = None
    #: The platform's identity of this column within its table, kept across a rename (PostgreSQL
    #: `pg_attribute.attnum`, SQL Server `sys.columns.column_id`; a drop and re-add changes it). None where the
    #: platform proves no rename. Two pictures of a column compare equal whatever their identities.
    remote_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RemoteTable:
    name: str
    kind: TableKind
    columns: tuple[RemoteColumn, ...]
    remote_kind: str | None = None  # the platform's own word: BASE TABLE, VIEW, PARTITIONED TABLE…
    comment: str | None = None
    owner: str | None = None
    #: The platform's identity of this object (Unity Catalog table_id, PostgreSQL oid, SQL Server object_id,
    #: Snowflake creation time): a drop and re-create under the same name changes it. None where there is none.
    remote_id: str | None = None
    #: The platform's cheap sign that the columns may have changed (see `Connector.read_schema_changes`);
    #: bookkeeping about the read, so two pictures of the same table compare equal whatever their tokens.
    change_token: str | None = field(default=None, compare=False)
    #: The change token matched the stored one, so the columns were not read (`columns` is empty).
    columns_unread: bool = False
    _fingerprint: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Computed once: the diff and the writer each ask for it."""
        if self._fingerprint is None:
            object.__setattr__(self, "_fingerprint", columns_fingerprint(self.columns))
        return self._fingerprint  # type: ignore[return-value]  # set just above


@dataclass(frozen=True, slots=True)
class SchemaSnapshot:
    """One schema's tables and columns, read in one bulk call.

    A listing the platform filters by the reader's grants is not `complete`: a table missing from it may still
    exist. Then only the tables named in `confirmed_absent` are known to be gone.
    """

    database: str
    schema: str
    tables: tuple[RemoteTable, ...]
    complete: bool = True
    confirmed_absent: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RemoteHierarchy:
    """Databases and their schemas. A database whose listing failed is in failed_databases, not databases.

    Listings the platform filters by the reader's privileges are incomplete: a database missing from an
    incomplete database listing (`complete` False) may still exist, and so may a schema missing from a database
    named in `incomplete_schemas`. Only the names proven dropped (`confirmed_absent`, and the schemas mapped to
    their database in `incomplete_schemas`) are known to be gone.
    """

    databases: dict[str, tuple[str, ...]]
    failed_databases: dict[str, str] = field(default_factory=dict)
    complete: bool = True
    confirmed_absent: frozenset[str] = frozenset()
    #: Database → the schemas proven dropped, for each database whose schema listing may hide schemas.
    incomplete_schemas: dict[str, frozenset[str]] = field(default_factory=dict)

    def database_gone(self, database: str) -> bool:
        """Whether a database this listing left out is proven gone (and not merely hidden)."""
        return database not in self.databases and database not in self.failed_databases and (
            self.complete or database in self.confirmed_absent)

    def schema_gone(self, database: str, schema: str) -> bool:
        """Whether a schema of a listed database that this listing left out is proven gone."""
        listed = self.databases.get(database)
        if listed is None or schema in listed:
            return False
        hidden_may_exist = self.incomplete_schemas.get(database)
        return hidden_may_exist is None or schema in hidden_may_exist


_ORDINAL = itemgetter(1)


def columns_fingerprint(columns: tuple[RemoteColumn, ...] | list[RemoteColumn]) -> str:
    """A digest of the column list, to skip unchanged tables without loading their dictionary.

    JSON of the field lists is an unambiguous encoding (any text can sit in a name or comment); an empty comment
    counts as no comment. A column's identity counts where the platform has one, so a catalog that has not stored
    it yet loads the dictionary once and learns it. (A catalog holding digests of another encoding loads each
    table's dictionary once, finds it unchanged and stores the new digest.)
    """
    fields = [(c.name, c.ordinal, c.data_type, c.nullable, c.comment or "", c.remote_id) if c.remote_id is not None
              else (c.name, c.ordinal, c.data_type, c.nullable, c.comment or "") for c in columns]
    fields.sort(key=_ORDINAL)  # stable, and linear on columns listed in order already
    return hashlib.blake2b(dumps(fields), digest_size=16).hexdigest()
