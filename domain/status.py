"""Status inheritance: enabled/disabled/inherit settings resolved down the hierarchy, and the remote state.

The vocabularies are `StrEnum`s: members compare equal to the strings stored in the catalog and serialize
as those strings (JSON, SQL parameters), so rows read back as plain text still match them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class StatusSetting(StrEnum):
    """What a user chose for an object (`isActive`), or its `activateNewChildren` setting."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    INHERIT = "inherit"


class EffectiveStatus(StrEnum):
    """The setting resolved against the ancestors: a data source is synced only when enabled."""

    ENABLED = "enabled"
    DISABLED = "disabled"


class RemoteState(StrEnum):
    """Whether the platform still lists the object; a deleted one is kept, disabled, until it returns."""

    PRESENT = "present"
    DELETED = "deleted"


ENABLED = StatusSetting.ENABLED
DISABLED = StatusSetting.DISABLED
INHERIT = StatusSetting.INHERIT


def effective_status(setting: str, parent_effective: str) -> EffectiveStatus:
    """An explicit setting wins; `inherit` follows the parent."""
    return EffectiveStatus(parent_effective if setting == INHERIT else setting)


def resolve_activate_new_children(settings_nearest_first: Iterable[str]) -> StatusSetting:
    """The nearest explicit activateNewChildren setting; a connection that never chose means disabled."""
    for setting in settings_nearest_first:
        if setting != INHERIT:
            return StatusSetting(setting)
    return DISABLED


def new_child_status_setting(activate_new_children: str) -> StatusSetting:
    """A new child follows its parent when activation is on, and is disabled otherwise.

    Following the parent (rather than a hard `enabled`) keeps children of disabled objects disabled.
    """
    return INHERIT if activate_new_children == ENABLED else DISABLED
