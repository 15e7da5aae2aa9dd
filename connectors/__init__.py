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
from connectors.registry import connector_class, create_connector, technologies

__all__ = [
    "AuthenticationFailed", "ConfigurationError", "Connector", "ConnectorError", "ObjectNotFound",
    "PermissionDenied", "RemoteTimeout", "RemoteUnavailable", "ValidationResult", "connector_class",
    "create_connector", "technologies",
]
