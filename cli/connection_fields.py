"""A connection's fields from the command line: common settings as flags, the rest as `--option`, and every
secret from an environment variable or stdin, never from argv (which `ps` and shell history show).

The result is the same flat `connection` mapping the API takes, so the service tells config from credentials
in one place for both doors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from cli.errors import UsageError
from connectors.sqlalchemy_generic import url_carries_password
from services.connections.validation import CREDENTIAL_FIELDS, SECRET_FIELDS

#: Field → flag stem: `privateKey` is read with --private-key-env VAR or --private-key-stdin.
SECRET_FLAGS = {name: re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() for name in sorted(SECRET_FIELDS)}
FILTER_LEVELS = {"database": "databases", "schema": "schemas", "table": "tables and views"}
#: `key=value` pairs of an ODBC connection string that carry a password.
_CONNECTION_STRING_SECRET = re.compile(r"(^|;)\s*(pwd|password)\s*=", re.IGNORECASE)


def add_field_arguments(parser: argparse.ArgumentParser) -> None:
    """--hostname, --port, --database, --username, --option and the secret flags."""
    parser.add_argument("--hostname")
    parser.add_argument("--port", type=int)
    parser.add_argument("--database")
    parser.add_argument("--username")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="another non-secret setting of the technology (repeatable): NAME=VALUE for a string, "
                             "NAME:=JSON for another type (includeAllDatabases:=true, databases:='[\"a\"]'); "
                             "secrets are refused here")
    secrets = parser.add_argument_group(
        "secrets", "each from an environment variable (--NAME-env VAR) or standard input (--NAME-stdin, one of them "
                   "at most); never from the command line")
    for name, stem in SECRET_FLAGS.items():
        source = secrets.add_mutually_exclusive_group()
        source.add_argument(f"--{stem}-env", metavar="VAR", help=f"read {name} from this environment variable")
        source.add_argument(f"--{stem}-stdin", action="store_true", help=f"read {name} from standard input")


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    for level, objects in FILTER_LEVELS.items():
        for kind in ("include", "exclude"):
            parser.add_argument(
                f"--{kind}-{level}", action="append", default=[], metavar="PATTERN",
                help=f"{'only' if kind == 'include' else 'never'} crawl {objects} whose name fully "
                     f"matches this regular expression (repeatable{', any one matches' if kind == 'include' else ''})")


def connection_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The flat `connection` mapping: flags, options, then secrets (which win over nothing: options hold none)."""
    fields: dict[str, Any] = {
        name: value for name in ("hostname", "port", "database", "username")
        if (value := getattr(args, name)) is not None
    }
    for option in args.option:
        name, value = parse_option(option)
        fields[name] = value
    fields.update(read_secrets(args))
    return fields


def parse_option(option: str) -> tuple[str, Any]:
    """`NAME=VALUE` (a string) or `NAME:=JSON`; refuses secrets, which would be stored in clear and show in `ps`."""
    name, sep, value = option.partition("=")
    if not sep or not name or name == ":":
        raise UsageError(f"--option expects NAME=VALUE or NAME:=JSON, got {option.split('=', 1)[0]!r}")
    parsed: Any = value
    if name.endswith(":"):
        name = name[:-1]
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise UsageError(f"--option {name}:= expects a JSON value (true, 5, [\"a\"], \"text\")") from None
    refuse_secret_option(name, parsed)
    return name, parsed


def refuse_secret_option(name: str, value: Any) -> None:
    """The message never repeats the value: it is the secret."""
    if name in SECRET_FIELDS:
        stem = SECRET_FLAGS[name]
        raise UsageError(f"--option {name}: {name} is a secret; pass it with --{stem}-env VAR or --{stem}-stdin, "
                         "never on the command line")
    if name in CREDENTIAL_FIELDS:
        raise UsageError(f"--option {name}: use --{SECRET_FLAGS.get(name, name)} instead")
    if name == "technology":
        raise UsageError("--option technology: use --technology instead")
    if not isinstance(value, str):
        return
    if name == "url":
        if url_carries_password(value):
            raise UsageError("--option url: the URL carries a password; leave it out of the URL and pass it with "
                             "--password-env VAR or --password-stdin")
    if name == "connectionString" and _CONNECTION_STRING_SECRET.search(value):
        raise UsageError("--option connectionString: it carries a password (PWD=); leave it out and pass it with "
                         "--password-env VAR or --password-stdin")


def read_secrets(args: argparse.Namespace) -> dict[str, str]:
    from_stdin = [name for name, stem in SECRET_FLAGS.items() if getattr(args, f"{stem.replace('-', '_')}_stdin")]
    if len(from_stdin) > 1:
        raise UsageError(f"only one secret can come from standard input, got {', '.join(from_stdin)}")
    secrets: dict[str, str] = {}
    for name, stem in SECRET_FLAGS.items():
        variable = getattr(args, f"{stem.replace('-', '_')}_env")
        if variable:
            value = os.environ.get(variable)
            if value is None:
                raise UsageError(f"environment variable {variable} is not set")
            secrets[name] = value
    if from_stdin:
        secrets[from_stdin[0]] = read_stdin()
    return secrets


def read_stdin() -> str:
    """All of standard input (a private key spans lines) without the final line break."""
    return sys.stdin.read().removesuffix("\n").removesuffix("\r")


def connection_filters(args: argparse.Namespace) -> dict[str, dict[str, list[str]]]:
    """options.filters from --include-/--exclude-database|schema|table (checked by the service)."""
    filters: dict[str, dict[str, list[str]]] = {}
    for level in FILTER_LEVELS:
        include, exclude = getattr(args, f"include_{level}"), getattr(args, f"exclude_{level}")
        if include or exclude:
            filters[f"{level}s"] = {"include": include, "exclude": exclude}
    return filters
