"""The shared validation runner: a warning names what the credentials lack but never fails validation."""

from __future__ import annotations

from connectors.errors import PermissionDenied
from connectors.validation import Warned, run_validation, visibility_outcome
from services.connections.validation import all_passed


def test_a_warning_lets_the_next_tests_run_and_does_not_fail_validation() -> None:
    def refuse() -> None:
        raise PermissionDenied("no")

    results = run_validation([("a", lambda: Warned("lacks X")), ("b", lambda: "fine"), ("c", refuse),
                              ("d", lambda: None)])
    assert [(r.name, r.status, r.message) for r in results] == [
        ("a", "warning", "lacks X"), ("b", "passed", "fine"), ("c", "failed", "no"),
        ("d", "skipped", "skipped because c did not pass")]
    assert all_passed([r.as_dict() for r in results[:2]])
    assert not all_passed([r.as_dict() for r in results])


def test_visibility_outcome_passes_when_nothing_is_hidden_and_names_at_most_ten_gaps() -> None:
    assert visibility_outcome([], "all visible") == "all visible"
    outcome = visibility_outcome([f"no SELECT on schema s{i}" for i in range(12)])
    assert isinstance(outcome, Warned)
    assert "no SELECT on schema s9" in outcome.message and "s10" not in outcome.message
    assert "and 2 more" in outcome.message and "never marked deleted" in outcome.message
