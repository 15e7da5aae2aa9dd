"""Connection payloads as people write them, made into the flat fields the connectors read: the technology in
any spelling, Databricks' `hostname` / `workspaceUrl` as its `host`, and the nested `oAuthClientConfig`
{clientId, clientSecret, authorityUrl, useCertificate, scope} flattened (its secret is stored encrypted with the
other credentials)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors import canonical_technology

OAUTH_CLIENT_FIELDS = ("clientId", "clientSecret", "authorityUrl", "useCertificate", "scope")
_HOST_ALIASES = {"databricks": ("hostname", "workspaceUrl")}


def connection_fields(technology: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The flat fields of a `connection` object (or an integration's `config`) for `technology`."""
    flat = {key: value for key, value in fields.items() if key != "technology"}
    nested = flat.pop("oAuthClientConfig", None)
    if isinstance(nested, Mapping):
        for key in OAUTH_CLIENT_FIELDS:
            if nested.get(key) is not None:
                flat.setdefault(key, nested[key])
    for alias in _HOST_ALIASES.get(canonical_technology(technology), ()):
        value = flat.pop(alias, None)
        if value and not flat.get("host"):
            flat["host"] = value
    return flat
