"""Plain, immutable pictures of what a connector read from the remote platform."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

TableKind = Literal["table", "view"]


@dataclass(frozen=True, slots=True)
class RemoteColumn:
    name: str
    ordinal: int
    data_type: str
    nullable: bool = True
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class RemoteTable:
    name: str
    kind: TableKind
    columns: tuple[RemoteColumn, ...]
    remote_kind: str | None = None  # the platform's own word: BASE TABLE, VIEW, PARTITIONED TABLE…
    comment: str | None = None
    owner: str | None = None

    @property
    def fingerprint(self) -> str:
        return columns_fingerprint(self.columns)


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
    """Databases and their schemas. A database whose listing failed is in failed_databases, not databases."""

    databases: dict[str, tuple[str, ...]]
    failed_databases: dict[str, str] = field(default_factory=dict)


def columns_fingerprint(columns: tuple[RemoteColumn, ...] | list[RemoteColumn]) -> str:
    """A digest of the column list, to skip unchanged tables without loading their dictionary.

    repr() of the field tuples is an unambiguous encoding (any text can sit in a name or comment);
    an empty comment counts as no comment.
    """
    fields = tuple(
        (c.name, c.ordinal, c.data_type, c.nullable, c.comment or "") for c in sorted(columns, key=lambda c: c.ordinal)
    )
    return hashlib.blake2b(repr(fields).encode(), digest_size=16).hexdigest()
