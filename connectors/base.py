"""The connector interface every technology implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar, Literal

from connectors.errors import ConfigurationError
from domain.schema_batches import TableRange
from domain.snapshot import RemoteHierarchy, SchemaSnapshot

ValidationStatus = Literal["passed", "warning", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One validation test. A warning does not fail validation: the connection works, but something (a privilege
    the credentials lack, so drops cannot be told from lost visibility) deserves the user's attention."""

    name: str
    status: ValidationStatus
    message: str | None = None
    #: Rows the test read, when it has something to show (e.g. the account it connected as).
    result: list[dict[str, Any]] | None = None

    @property
    def usable(self) -> bool:
        """Whether the tests that depend on this one may run."""
        return self.status in ("passed", "warning")

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        if values["result"] is None:
            del values["result"]
        return values


@dataclass(frozen=True, slots=True)
class ValidationTestNames:
    """What each technology calls its three connection tests."""

    connect: str
    access: str
    privileges: str


#: The names in the style every platform's integration tests are named in.
STANDARD_NAMES = ValidationTestNames("Initial validation: basic connection test",
                                     "Initial validation: database access test",
                                     "Initial validation: metadata privileges test")


class Connector(ABC):
    """Reads a platform's metadata. Instances hold at most one open session; use as a context manager."""

    technology: ClassVar[str]
    #: Schemas that belong to the platform itself and are never ingested.
    system_schemas: ClassVar[frozenset[str]] = frozenset()
    #: Databases that belong to the platform itself and are never ingested.
    system_databases: ClassVar[frozenset[str]] = frozenset()
    #: The names of its connection tests.
    test_names: ClassVar[ValidationTestNames] = STANDARD_NAMES

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], *, timeout: float = 30.0,
                 internal_databases: Collection[str] = ()):
        """`internal_databases`: the service's own databases or catalogs on the platform, never ingested."""
        self.config = dict(config)
        self.credentials = dict(credentials)
        self.timeout = timeout
        #: Also the integration's own database or catalog named in the config: never ingested.
        own = {str(config[key]) for key in ("internalDatabase", "internalCatalog") if config.get(key)}
        self.internal_databases = frozenset(internal_databases) | own

    @abstractmethod
    def validate(self) -> list[ValidationResult]:
        """Run the validation tests; never raises for a failed test, reports it."""

    def validate_setup(self, setup: Mapping[str, Any], *, reachable: bool) -> list[ValidationResult]:
        """The tests of a platform integration's setup (its own database or catalog, roles, delimiters), run after
        `validate`; `reachable` is False when the connection tests failed, so remote ones are skipped."""
        return []

    def current_principal(self) -> str:
        """The account these credentials act as, as the platform's grants name it."""
        return str(self.credentials.get("username") or self.config.get("user") or "")

    def run_setup(self, statements: Sequence[str]) -> None:
        """Run a setup script's statements, in order, as these (privileged) credentials."""
        raise ConfigurationError(f"automatic setup is not available for {self.technology}; run the script yourself "
                                 "(autoBootstrap false)")

    @abstractmethod
    def list_hierarchy(self) -> RemoteHierarchy:
        """All databases and their schemas, in as few calls as the platform allows."""

    @abstractmethod
    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        """One schema's tables, views and columns in one bulk read; `tables` narrows it.

        Raises ObjectNotFound if the schema does not exist and PermissionDenied if it may not be read,
        so that an unreadable schema is never mistaken for an empty one.
        """

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """Every table of the schema (of `table_range` only, when given), with columns read only for tables whose
        change token is not in `known_tokens` (name → the token stored at the last read); the others come back
        `columns_unread`.

        Every table is listed either way, so a table left out is gone. A platform without a cheap change token
        reads everything (this default).
        """
        snapshot = self.read_schema(database, schema)
        if table_range is None:
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if table_range.holds(t.name)))

    def list_table_names(self, database: str, schemas: Collection[str]) -> dict[str, list[str]] | None:
        """The table and view names of each named schema of the database, if the platform lists them cheaply (a
        large schema is then crawled in name-range batches); None, or a schema left out (missing, or not to be
        looked into), reads that schema as one."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the remote session."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
