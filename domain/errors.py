"""One error hierarchy for everything a user can cause or meet; each adapter maps the four kinds once
(HTTP statuses in the API, exit codes in the CLI, messages next to the field in the console)."""

from __future__ import annotations

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
    """A dependency (catalog, broker, platform) cannot be reached now; retrying later may succeed."""


class ConnectionNotFound(NotFound):
    def __init__(self, key: str):
        super().__init__(f"no connection with key {key!r}")
        self.key = key


class ConnectionExists(Conflict):
    def __init__(self, key: str):
        super().__init__(f"a connection with key {key!r} already exists")
        self.key = key


class DataObjectNotFound(NotFound):
    def __init__(self, path: Sequence[str]):
        super().__init__(f"no data object at path {list(path)!r}")
        self.path = list(path)
