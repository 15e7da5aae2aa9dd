"""Connectors: one small interface, one module per technology, registered by name."""

from connectors.base import Connector, ValidationResult
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
)
from connectors.registry import canonical_technology, connector_class, create_connector, display_name, technologies

__all__ = [
    "AuthenticationFailed", "ConfigurationError", "canonical_technology", "display_name",
    "Connector", "ConnectorError", "ObjectNotFound",
    "PermissionDenied", "RemoteTimeout", "RemoteUnavailable", "ValidationResult", "connector_class",
    "create_connector", "technologies",
]
