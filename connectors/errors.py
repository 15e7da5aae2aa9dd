"""Errors raised by connectors; `transient` ones are worth retrying."""

from domain.errors import Invalid


class ConnectorError(Exception):
    transient = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigurationError(ConnectorError, Invalid):
    """The connection's configuration is unusable (missing field, unsupported auth type)."""


class AuthenticationFailed(ConnectorError):
    """The platform rejected the credentials."""


class PermissionDenied(ConnectorError):
    """The credentials work but may not read this object."""


class ObjectNotFound(ConnectorError):
    """The database or schema asked for does not exist (any more) on the platform."""


class RemoteUnavailable(ConnectorError):
    """The platform could not be reached."""

    transient = True


class RemoteTimeout(ConnectorError):
    """The platform did not answer in time."""

    transient = True
