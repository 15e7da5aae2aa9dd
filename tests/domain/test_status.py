"""Status inheritance rules: explicit settings win, inherit follows the parent, new children obey activation."""

from __future__ import annotations

import pytest

from domain.status import effective_status, new_child_status_setting, resolve_activate_new_children


@pytest.mark.parametrize(("setting", "parent", "expected"), [
    pytest.param("inherit", "enabled", "enabled", id="inherit-enabled-parent"),
    pytest.param("inherit", "disabled", "disabled", id="inherit-disabled-parent"),
    pytest.param("enabled", "enabled", "enabled", id="enabled"),
    pytest.param("enabled", "disabled", "enabled", id="explicit-enabled-wins-over-disabled-parent"),
    pytest.param("disabled", "enabled", "disabled", id="explicit-disabled-wins"),
    pytest.param("disabled", "disabled", "disabled", id="disabled"),
])
def test_effective_status(setting: str, parent: str, expected: str) -> None:
    assert effective_status(setting, parent) == expected


@pytest.mark.parametrize(("nearest_first", "expected"), [
    pytest.param([], "disabled", id="nothing-chose-means-disabled"),
    pytest.param(["inherit"], "disabled", id="connection-inherit-means-disabled"),
    pytest.param(["inherit", "inherit", "inherit"], "disabled", id="all-inherit"),
    pytest.param(["enabled"], "enabled", id="connection-enabled"),
    pytest.param(["inherit", "enabled"], "enabled", id="database-inherits-connection"),
    pytest.param(["disabled", "enabled"], "disabled", id="nearest-disabled-wins"),
    pytest.param(["enabled", "disabled"], "enabled", id="nearest-enabled-wins"),
    pytest.param(["inherit", "disabled", "enabled"], "disabled", id="first-explicit-from-the-bottom"),
])
def test_resolve_activate_new_children(nearest_first: list[str], expected: str) -> None:
    assert resolve_activate_new_children(nearest_first) == expected
    assert resolve_activate_new_children(iter(nearest_first)) == expected


@pytest.mark.parametrize(("activate", "setting"), [("enabled", "inherit"), ("disabled", "disabled")])
def test_new_child_status_setting(activate: str, setting: str) -> None:
    assert new_child_status_setting(activate) == setting


@pytest.mark.parametrize("parent", ["enabled", "disabled"])
def test_new_children_of_disabled_parents_are_disabled_even_with_activation_on(parent: str) -> None:
    status = effective_status(new_child_status_setting("enabled"), parent)
    assert status == parent
    assert effective_status(new_child_status_setting("disabled"), parent) == "disabled"
