"""Connection payloads as the documents write them: technology names, Databricks host aliases and the nested
OAuth M2M configuration, Snowflake's account URL."""

from __future__ import annotations

import pytest

from connectors import canonical_technology, connector_class, display_name
from connectors.databricks import client_config, oauth_discovery_url, reachable
from connectors.errors import ConfigurationError, RemoteUnavailable
from connectors.snowflake import account_of_host, connect_arguments
from services.connections.payloads import connection_fields


@pytest.mark.parametrize(("written", "technology"), [
    ("Databricks", "databricks"), ("databricks", "databricks"), ("Databricks Unity Catalog", "databricks"),
    ("Snowflake", "snowflake"), ("SQL Server", "sqlserver"), ("sqlserver", "sqlserver"),
    ("Azure Synapse Analytics", "synapse"), ("PostgreSQL", "postgresql"), ("MySQL", "mysql"),
    ("Azure SQL Database", "azuresql"),
])
def test_technology_names_in_any_spelling(written: str, technology: str) -> None:
    assert canonical_technology(written) == technology
    assert connector_class(written).technology == technology
    assert canonical_technology(display_name(technology)) == technology


def test_unknown_technology_is_named() -> None:
    with pytest.raises(ConfigurationError, match="unknown technology 'Oracle'"):
        connector_class("Oracle")


def test_databricks_hostname_and_nested_oauth_client_config() -> None:
    fields = connection_fields("Databricks", {
        "technology": "Databricks", "hostname": "www.example.cloud.databricks.com", "port": 443,
        "authenticationType": "oAuthM2M", "oAuthClientConfig": {
            "useCertificate": False, "clientId": "app-id", "clientSecret": "s3cret", "scope": "all-apis",
            "authorityUrl": "login.example.com/tenant/v2.0"}})
    assert fields["host"] == "www.example.cloud.databricks.com" and "hostname" not in fields
    config = {k: v for k, v in fields.items() if k != "clientSecret"}
    arguments = client_config(config, {"clientSecret": "s3cret"}, timeout=5)
    assert arguments["host"] == "https://www.example.cloud.databricks.com"
    assert arguments["auth_type"] == "oauth-m2m" and arguments["client_id"] == "app-id"
    assert arguments["discovery_url"] == "https://login.example.com/tenant/v2.0/.well-known/oauth-authorization-server"
    assert arguments["scopes"] == ["all-apis"]
    nested = client_config({"workspaceUrl": "w.example.com", "authenticationType": "OAUTHM2M",
                            "oAuthClientConfig": {"clientId": "a"}}, {"oAuthClientConfig": {"clientSecret": "b"}}, 5)
    assert nested["client_secret"] == "b" and nested["host"] == "https://w.example.com"


def test_certificate_credentials_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="useCertificate"):
        client_config({"host": "h", "authenticationType": "oAuthM2M", "clientId": "a", "useCertificate": True},
                      {"clientSecret": "b"}, 5)


def test_discovery_url_of_an_authority() -> None:
    assert oauth_discovery_url("https://idp.example.com/") == \
        "https://idp.example.com/.well-known/oauth-authorization-server"
    url = "https://idp.example.com/.well-known/openid-configuration"
    assert oauth_discovery_url(url) == url


def test_snowflake_account_from_its_host() -> None:
    assert account_of_host("organization.us-east-1.snowflakecomputing.com") == "organization.us-east-1"
    assert account_of_host("https://myorg-acct.snowflakecomputing.com/") == "myorg-acct"
    assert account_of_host("127.0.0.1") is None
    arguments = connect_arguments({"host": "organization.us-east-1.snowflakecomputing.com", "warehouse": "W",
                                   "authenticationType": "USERPASSWORD"},
                                  {"username": "reader", "password": "pw"}, 5)
    assert arguments["account"] == "organization.us-east-1" and arguments["user"] == "reader"
    with pytest.raises(ConfigurationError, match="account is required"):
        connect_arguments({"host": "127.0.0.1"}, {"username": "u", "password": "p"}, 5)


def test_an_unreachable_workspace_fails_at_once() -> None:
    with pytest.raises(RemoteUnavailable, match="cannot connect to the workspace 127.0.0.1:9"):
        reachable("http://127.0.0.1:9", 5)
    with pytest.raises(RemoteUnavailable, match="workspace.example.invalid:443"):
        reachable("https://workspace.example.invalid", 5)
