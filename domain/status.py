"""Status inheritance: enabled/disabled/inherit settings resolved down the hierarchy."""

from __future__ import annotations

from collections.abc import Iterable

ENABLED = "enabled"
DISABLED = "disabled"
INHERIT = "inherit"


def effective_status(setting: str, parent_effective: str) -> str:
    """An explicit setting wins; `inherit` follows the parent."""
    return parent_effective if setting == INHERIT else setting


def resolve_activate_new_children(settings_nearest_first: Iterable[str]) -> str:
    """The nearest explicit activateNewChildren setting; a connection that never chose means disabled."""
    for setting in settings_nearest_first:
        if setting != INHERIT:
            return setting
    return DISABLED


def new_child_status_setting(activate_new_children: str) -> str:
    """A new child follows its parent when activation is on, and is disabled otherwise.

    Following the parent (rather than a hard `enabled`) keeps children of disabled objects disabled.
    """
    return INHERIT if activate_new_children == ENABLED else DISABLED
