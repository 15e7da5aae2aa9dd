"""One error hierarchy for everything a user can cause or meet; each adapter maps the kinds once (HTTP statuses
in the API, exit codes in the CLI, messages next to the field in the console).

The kinds: NotFound, Conflict, Invalid, Unavailable, NotAuthenticated, Forbidden. Every exception a user may
see subclasses one of them, so a door never needs to know the concrete class to answer correctly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence


class ObjectsyncError(Exception):
    """Base of the user-facing errors; `str(error)` is the message shown."""


class NotFound(ObjectsyncError, LookupError):
    """The thing named does not exist (or is not visible to the caller)."""


class Conflict(ObjectsyncError):
    """The request clashes with the current state: a duplicate, or an object busy with another change."""


class Invalid(ObjectsyncError, ValueError):
    """The request itself is malformed or breaks a rule; repeating it unchanged fails again."""


class Unavailable(ObjectsyncError):
    """A dependency (catalog, broker, platform, key material) cannot be used now; retrying later may succeed."""


class NotAuthenticated(ObjectsyncError):
    """No credential, or one that is unknown or revoked: the caller is not known."""


class Forbidden(ObjectsyncError):
    """The caller is known but lacks the permission the action needs."""


class ConnectionNotFound(NotFound):
    def __init__(self, key: str):
        super().__init__(f"no connection with key {key!r}")
        self.key = key


class ConnectionExists(Conflict):
    def __init__(self, key: str):
        super().__init__(f"a connection with key {key!r} already exists")
        self.key = key


class ConnectionBusy(Conflict):
    """Another change of the connection (registration, edit, deregistration) has not settled yet."""

    def __init__(self, key: str, status: str):
        super().__init__(f"connection {key!r} is {status}; retry when it has settled")
        self.key = key
        self.status = status


class DataObjectNotFound(NotFound):
    def __init__(self, path: Sequence[str]):
        super().__init__(f"no data object at path {list(path)!r}")
        self.path = list(path)


class JobNotFound(NotFound):
    def __init__(self, bulk_id: uuid.UUID | str):
        super().__init__(f"no job with bulkId {bulk_id}")
        self.bulk_id = str(bulk_id)


class IntegrationNotFound(NotFound):
    def __init__(self, integration_id: int):
        super().__init__(f"no integration with id {integration_id}")
        self.integration_id = integration_id


class IntegrationExists(Conflict):
    def __init__(self, type_name: str, host: str, integration_id: int):
        super().__init__(f"{type_name} integration already exists on host {host} (id = {integration_id})")
        self.integration_id = integration_id


class IntegrationBusy(Conflict):
    """The integration is in a state that does not allow the change (a transition under way, or deleted)."""

    def __init__(self, integration_id: int, status: str, action: str = "edit"):
        super().__init__(f"Unable to {action} integration with ID {integration_id} in current state {status}.")
        self.integration_id = integration_id
        self.status = status
