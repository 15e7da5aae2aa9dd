"""The setup scripts of a platform integration, in each platform's own SQL: the system account, its role, the
service's own database (or catalog, or schema) and the least privileges object sync needs, and their removal.

Scripts are pure text. Phases: `initial-create` (the system account), `create` (its database or catalog and its
grants), `edit` (the same grants again: every statement is idempotent), `cleanup` (the service's database,
catalog or schema) and `post-cleanup` (the account and role). A password appears only in a script the service
runs itself (automatic setup), never in one it hands out: there the account authenticates as the caller arranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from connectors.errors import ConfigurationError

Phase = Literal["initial-create", "create", "edit", "cleanup", "post-cleanup"]
PHASES: tuple[Phase, ...] = ("initial-create", "create", "edit", "cleanup", "post-cleanup")
#: The system account the automatic setup creates, unless the configuration names another (systemAccount).
DEFAULT_SYSTEM_ACCOUNT = "IMMUTA_SYSTEM_ACCOUNT"
#: Bump when the scripts change: integrations set up with an older version are migrated.
SCRIPT_VERSION = 1
SQLGLOT_DIALECTS = {"synapse": "tsql", "sqlserver": "tsql", "azuresql": "tsql", "snowflake": "snowflake",
                    "databricks": "databricks"}
INTEGRATION_TYPES = tuple(SQLGLOT_DIALECTS)


@dataclass(frozen=True, slots=True)
class SetupTarget:
    """Who and what a script is about."""

    technology: str
    #: The account object sync logs in as (a Databricks service principal by its application id).
    account: str
    #: The service's own database (Synapse: the existing pool database; Databricks: its catalog).
    database: str
    #: Synapse: the schema the service owns in that database.
    schema: str | None = None
    warehouse: str | None = None
    #: Databases (catalogs) object sync reads, for the read grants.
    sync_databases: tuple[str, ...] = ()
    #: Only for a script the service runs itself: the new account's password.
    password: str | None = None

    @property
    def role(self) -> str:
        return f"{self.account}_ROLE"


def target_of(technology: str, config: Mapping[str, Any], *, automatic: bool, password: str | None = None,
              principal: str | None = None) -> SetupTarget:
    """The target of an integration's configuration: the automatic setup creates `systemAccount` (by default
    the documented system account); a manual one sets up the account the configuration names."""
    if technology == "databricks":
        account = principal or str(config.get("servicePrincipal") or config.get("clientId") or "")
        if not account:
            raise ConfigurationError("the service principal is unknown: give servicePrincipal (its application id)")
        database = str(config.get("catalog") or "")
    else:
        named = config.get("username") or config.get("user")
        account = str(config.get("systemAccount") or (DEFAULT_SYSTEM_ACCOUNT if automatic or not named else named))
        database = str(config.get("database") or "")
    if not database:
        raise ConfigurationError("the integration's database (Databricks: catalog) is required")
    sync = config.get("catalogs") if technology == "databricks" else config.get("databases")
    return SetupTarget(
        technology=technology, account=account, database=database,
        schema=str(config["schema"]) if config.get("schema") else None,
        warehouse=str(config["warehouse"]) if config.get("warehouse") else None,
        sync_databases=tuple(str(name) for name in sync or ()), password=password if automatic else None,
    )


def script(phase: Phase, target: SetupTarget) -> list[str]:
    """The statements of one phase, in the order they run."""
    builders = {"synapse": _synapse, "sqlserver": _sqlserver, "azuresql": _synapse, "snowflake": _snowflake,
                "databricks": _databricks}
    if target.technology not in builders:
        raise ConfigurationError(f"integrations are available for {', '.join(INTEGRATION_TYPES)}, "
                                 f"not {target.technology!r}")
    return builders[target.technology](phase, target)


def script_text(statements: Sequence[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


# -- T-SQL ------------------------------------------------------------------------------------------------------


def tsql_name(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def tsql_text(value: str) -> str:
    return "N'" + value.replace("'", "''") + "'"


def tsql_unless(condition: str, statement: str) -> str:
    """`IF <condition> IS NULL EXEC(N'<statement>')`: idempotent, one statement per batch."""
    return f"IF {condition} IS NULL EXEC({tsql_text(statement)})"


def _tsql_user(target: SetupTarget) -> str:
    account = tsql_name(target.account)
    if target.password is not None:
        return f"CREATE USER {account} WITH PASSWORD = {tsql_text(target.password)}"
    if "@" in target.account:  # a Microsoft Entra principal
        return f"CREATE USER {account} FROM EXTERNAL PROVIDER"
    return f"CREATE USER {account} FOR LOGIN {account}"


def _synapse(phase: Phase, target: SetupTarget) -> list[str]:
    """Azure Synapse dedicated SQL pool (and Azure SQL Database): everything inside the pool's database, the
    account a contained user; VIEW DEFINITION lets it read every object's metadata and nothing else."""
    account = tsql_name(target.account)
    grants = [f"GRANT CONNECT TO {account}", f"GRANT VIEW DEFINITION TO {account}"]
    schema = []
    if target.schema:
        create = f"CREATE SCHEMA {tsql_name(target.schema)} AUTHORIZATION {account}"
        schema = [tsql_unless(f"SCHEMA_ID({tsql_text(target.schema)})", create)]
    if phase == "initial-create":
        return [tsql_unless(f"DATABASE_PRINCIPAL_ID({tsql_text(target.account)})", _tsql_user(target))]
    if phase in ("create", "edit"):
        return [*grants, *schema]
    if phase == "cleanup":
        return [f"DROP SCHEMA IF EXISTS {tsql_name(target.schema)}"] if target.schema else []
    return [f"DROP USER IF EXISTS {account}"]


def _sqlserver(phase: Phase, target: SetupTarget) -> list[str]:
    """SQL Server: a login and the service's own database on the server (run in master), then the login's user
    there; VIEW ANY DATABASE lets it see every database's metadata."""
    account, database = tsql_name(target.account), tsql_name(target.database)
    if phase == "initial-create":
        if target.password is not None:
            login = f"CREATE LOGIN {account} WITH PASSWORD = {tsql_text(target.password)}"
        elif "@" in target.account:
            login = f"CREATE LOGIN {account} FROM EXTERNAL PROVIDER"
        else:
            login = ""
        return [
            *([tsql_unless(f"SUSER_ID({tsql_text(target.account)})", login)] if login else []),
            tsql_unless(f"DB_ID({tsql_text(target.database)})", f"CREATE DATABASE {database}"),
            f"GRANT VIEW ANY DATABASE TO {account}",
        ]
    if phase in ("create", "edit"):
        create_user = f"CREATE USER {account} FOR LOGIN {account}"
        return [
            f"USE {database}",
            tsql_unless(f"DATABASE_PRINCIPAL_ID({tsql_text(target.account)})", create_user),
            f"ALTER ROLE db_owner ADD MEMBER {account}",
        ]
    if phase == "cleanup":
        return [f"DROP DATABASE IF EXISTS {database}"]
    return [f"REVOKE VIEW ANY DATABASE FROM {account}", f"DROP LOGIN {account}"]


# -- Snowflake ---------------------------------------------------------------------------------------------------


def snowflake_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _snowflake(phase: Phase, target: SetupTarget) -> list[str]:
    """A role of its own holding the service's database, USAGE on the warehouse, and USAGE / REFERENCES (which
    shows metadata without reading data) on the databases to sync, now and in future."""
    user, role, database = snowflake_name(target.account), snowflake_name(target.role), snowflake_name(target.database)
    if phase == "initial-create":
        options = [f"DEFAULT_ROLE = {role}"]
        if target.warehouse:
            options.append(f"DEFAULT_WAREHOUSE = {snowflake_name(target.warehouse)}")
        if target.password is not None:
            options.insert(0, "PASSWORD = '" + target.password.replace("'", "''") + "'")
        return [
            f"CREATE ROLE IF NOT EXISTS {role}",
            f"CREATE USER IF NOT EXISTS {user} {' '.join(options)}",
            f"GRANT ROLE {role} TO USER {user}",
        ]
    if phase in ("create", "edit"):
        statements = [
            f"CREATE DATABASE IF NOT EXISTS {database}",
            f"GRANT OWNERSHIP ON DATABASE {database} TO ROLE {role} COPY CURRENT GRANTS",
        ]
        if target.warehouse:
            statements.append(f"GRANT USAGE ON WAREHOUSE {snowflake_name(target.warehouse)} TO ROLE {role}")
        for name in target.sync_databases:
            quoted = snowflake_name(name)
            statements += [
                f"GRANT USAGE ON DATABASE {quoted} TO ROLE {role}",
                f"GRANT USAGE ON ALL SCHEMAS IN DATABASE {quoted} TO ROLE {role}",
                f"GRANT USAGE ON FUTURE SCHEMAS IN DATABASE {quoted} TO ROLE {role}",
                f"GRANT REFERENCES ON ALL TABLES IN DATABASE {quoted} TO ROLE {role}",
                f"GRANT REFERENCES ON FUTURE TABLES IN DATABASE {quoted} TO ROLE {role}",
                f"GRANT REFERENCES ON ALL VIEWS IN DATABASE {quoted} TO ROLE {role}",
                f"GRANT REFERENCES ON FUTURE VIEWS IN DATABASE {quoted} TO ROLE {role}",
            ]
        return statements
    if phase == "cleanup":
        return [f"DROP DATABASE IF EXISTS {database}"]
    return [f"DROP USER IF EXISTS {user}", f"DROP ROLE IF EXISTS {role}"]


# -- Databricks --------------------------------------------------------------------------------------------------


def databricks_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _databricks(phase: Phase, target: SetupTarget) -> list[str]:
    """The service's catalog, owned by the service principal (so only it reads it), and USE CATALOG / USE SCHEMA /
    BROWSE (metadata without data) on the catalogs to sync."""
    principal, catalog = databricks_name(target.account), databricks_name(target.database)
    reads = [f"GRANT USE CATALOG, USE SCHEMA, BROWSE ON CATALOG {databricks_name(name)} TO {principal}"
             for name in target.sync_databases]
    if phase in ("initial-create", "create", "edit"):
        return [f"CREATE CATALOG IF NOT EXISTS {catalog}", f"ALTER CATALOG {catalog} OWNER TO {principal}", *reads]
    if phase == "cleanup":
        return [f"DROP CATALOG IF EXISTS {catalog} CASCADE"]
    return [f"REVOKE USE CATALOG, USE SCHEMA, BROWSE ON CATALOG {databricks_name(name)} FROM {principal}"
            for name in target.sync_databases]
