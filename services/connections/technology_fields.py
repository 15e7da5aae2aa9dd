"""The fields of a connection per technology, as a registration form asks for them: what the connector reads,
which are required, which are secrets (stored encrypted, never shown again) and which authentication type
they belong to. The service still validates the payload; this only says what to ask."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from connectors import connector_class
from services.connections.validation import CREDENTIAL_FIELDS, SECRET_FIELDS

FieldKind = Literal["text", "number", "secret", "multiline-secret", "choice", "flag"]


@dataclass(frozen=True, slots=True)
class ConnectionField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    default: str | int | bool | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    #: Shown only for these authentication types (empty: always).
    authentication: tuple[str, ...] = ()

    @property
    def secret(self) -> bool:
        return self.name in SECRET_FIELDS

    @property
    def credential(self) -> bool:
        return self.name in CREDENTIAL_FIELDS


@dataclass(frozen=True, slots=True)
class Technology:
    name: str
    label: str
    fields: tuple[ConnectionField, ...]
    authentication_types: tuple[str, ...] = field(default=())


def _auth(types: tuple[str, ...], help_text: str = "") -> ConnectionField:
    return ConnectionField("authenticationType", "Authentication type", "choice", required=True, default=types[0],
                           choices=types, help=help_text)


_USER_PASSWORD = (
    ConnectionField("username", "Username", required=True, authentication=("userPassword",),
                    help="the system account that reads the platform's metadata"),
    ConnectionField("password", "Password", "secret", authentication=("userPassword",)),
)
_SQLSERVER_FIELDS = (
    ConnectionField("hostname", "Hostname", required=True, help="the server's host name"),
    ConnectionField("port", "Port", "number", default=1433),
    ConnectionField("database", "Database", help="the database to connect to first"),
    _auth(("userPassword", "accessToken"), "Username and password, or an Azure AD token"),
    *_USER_PASSWORD,
    ConnectionField("accessToken", "Azure AD access token", "secret", authentication=("accessToken",)),
    ConnectionField("encrypt", "Encrypt the connection", "flag", default=True),
    ConnectionField("trustServerCertificate", "Trust the server certificate", "flag", default=False),
)
_MYSQL_FIELDS = (
    ConnectionField("hostname", "Hostname", required=True),
    ConnectionField("port", "Port", "number", default=3306),
    ConnectionField("database", "Label for the server", help="the name under which its schemas are listed"),
    ConnectionField("username", "Username", required=True),
    ConnectionField("password", "Password", "secret"),
)

TECHNOLOGIES: dict[str, Technology] = {t.name: t for t in (
    Technology("postgresql", "PostgreSQL", (
        ConnectionField("hostname", "Hostname", required=True, help="the server's host name or address"),
        ConnectionField("port", "Port", "number", default=5432),
        ConnectionField("database", "Database", required=True, help="the database to connect to first"),
        _auth(("userPassword",)),
        ConnectionField("username", "Username", required=True),
        ConnectionField("password", "Password", "secret"),
        ConnectionField("sslmode", "SSL mode", "choice",
                        choices=("", "disable", "allow", "prefer", "require", "verify-ca", "verify-full")),
        ConnectionField("includeAllDatabases", "Include every database on the server", "flag", default=False),
    ), ("userPassword",)),
    Technology("mysql", "MySQL", _MYSQL_FIELDS),
    Technology("mariadb", "MariaDB", _MYSQL_FIELDS),
    Technology("sqlserver", "SQL Server", _SQLSERVER_FIELDS, ("userPassword", "accessToken")),
    Technology("azuresql", "Azure SQL Database", _SQLSERVER_FIELDS, ("userPassword", "accessToken")),
    Technology("synapse", "Azure Synapse Analytics", _SQLSERVER_FIELDS, ("userPassword", "accessToken")),
    Technology("snowflake", "Snowflake", (
        ConnectionField("account", "Account", required=True, help="the account identifier, e.g. myorg-myaccount"),
        ConnectionField("host", "Host", help="organization.us-east-1.snowflakecomputing.com; empty: from the account"),
        ConnectionField("port", "Port", "number", default=443),
        ConnectionField("warehouse", "Warehouse", required=True),
        ConnectionField("role", "Role"),
        ConnectionField("database", "Database", help="only this database; empty: every database the role sees"),
        _auth(("userPassword", "keyPair", "oauth"), "Username and password, Key pair, or Snowflake OAuth"),
        ConnectionField("username", "Username", required=True, authentication=("userPassword", "keyPair")),
        ConnectionField("password", "Password", "secret", authentication=("userPassword",)),
        ConnectionField("privateKey", "Private key (PEM)", "multiline-secret", authentication=("keyPair",)),
        ConnectionField("privateKeyPassphrase", "Private key passphrase", "secret", authentication=("keyPair",)),
        ConnectionField("token", "OAuth token", "secret", authentication=("oauth",)),
    ), ("userPassword", "keyPair", "oauth")),
    Technology("databricks", "Databricks Unity Catalog", (
        ConnectionField("host", "Workspace URL", required=True, help="your Databricks workspace URL"),
        ConnectionField("port", "Port", "number", default=443),
        ConnectionField("httpPath", "HTTP path", help="the HTTP path of your cluster or SQL warehouse"),
        _auth(("token", "oauthM2M"), "Personal Access Token or M2M OAuth"),
        ConnectionField("token", "Personal access token", "secret", authentication=("token",),
                        help="the token of the service principal"),
        ConnectionField("clientId", "Client ID", authentication=("oauthM2M",),
                        help="the client identifier of the service principal"),
        ConnectionField("clientSecret", "Client secret", "secret", authentication=("oauthM2M",)),
    ), ("token", "oauthM2M")),
    Technology("sqlalchemy", "Other (SQLAlchemy URL)", (
        ConnectionField("url", "SQLAlchemy URL", required=True, help="without the password, e.g. sqlite:///x.db"),
        ConnectionField("username", "Username"),
        ConnectionField("password", "Password", "secret"),
    )),
)}


def technology(name: str) -> Technology:
    """The form of a registered technology; one without a described form gets a generic one."""
    if name in TECHNOLOGIES:
        return TECHNOLOGIES[name]
    connector_class(name)  # raises ConfigurationError naming the known technologies
    return Technology(name, name, (ConnectionField("hostname", "Hostname"), *_USER_PASSWORD))


def form_fields(name: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The flat `connection` payload from submitted form values: empty values left out (a blank secret on an
    edit keeps the stored one), numbers and flags typed, and only fields of the chosen authentication type."""
    tech = technology(name)
    auth = str(form.get("authenticationType") or (tech.authentication_types[:1] or ("",))[0])
    fields: dict[str, Any] = {}
    for f in tech.fields:
        if f.authentication and auth not in f.authentication:
            continue
        raw = form.get(f.name)
        if f.kind == "flag":
            fields[f.name] = raw in ("on", "true", "1", True)
            continue
        if raw is None or (isinstance(raw, str) and raw.strip() == "" and f.kind != "multiline-secret"):
            continue
        if isinstance(raw, str) and raw == "":
            continue
        if f.kind == "number":
            text = str(raw).strip()
            fields[f.name] = int(text) if text.isdigit() else text
        elif f.kind in ("secret", "multiline-secret"):
            fields[f.name] = str(raw)
        else:
            fields[f.name] = str(raw).strip()
    return fields
