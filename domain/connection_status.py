"""A connection's lifecycle: validated on creation and on every edit, re-validated on a schedule, deleted.

creating → enabled | createError; editing → enabled | editError; deleting → gone | deleteError;
enabled ↔ recurringValidationError by the periodic re-validation. Whether its objects are enabled is their
`isActive` setting, not this status (`disabled` is only found on connections switched off by older versions).
Members compare equal to the strings stored in the catalog.
"""

from __future__ import annotations

from enum import StrEnum


class ConnectionStatus(StrEnum):
    CREATING = "creating"
    ENABLED = "enabled"
    EDITING = "editing"
    DELETING = "deleting"
    DISABLED = "disabled"
    CREATE_ERROR = "createError"
    EDIT_ERROR = "editError"
    DELETE_ERROR = "deleteError"
    RECURRING_VALIDATION_ERROR = "recurringValidationError"


#: A connection in one of these is being created, edited or deleted; other changes wait for it.
BUSY_STATUSES = (ConnectionStatus.CREATING, ConnectionStatus.EDITING, ConnectionStatus.DELETING)
#: Settled connections: crawled on their schedule and re-validated periodically.
RECURRING_STATUSES = (ConnectionStatus.ENABLED, ConnectionStatus.RECURRING_VALIDATION_ERROR)
