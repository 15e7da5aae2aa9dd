"""The validation tests every connector runs, by name, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.base import STANDARD_NAMES, ValidationResult, ValidationTestNames
from connectors.errors import ConnectorError, PermissionDenied


@dataclass(frozen=True, slots=True)
class Warned:
    """What a validation test returns to pass with a warning (the message names what is missing)."""

    message: str


def run_validation(tests: Sequence[tuple[str, Callable[[], str | Warned | None]]]) -> list[ValidationResult]:
    """A test passes unless it raises a ConnectorError (its return value is the message, or a Warned); after the
    first failure the remaining tests are skipped, since they depend on what failed."""
    results: list[ValidationResult] = []
    for name, test in tests:
        if results and not results[-1].usable:
            results.append(ValidationResult(name, "skipped", f"skipped because {results[-1].name} did not pass"))
            continue
        try:
            outcome = test()
        except ConnectorError as error:
            results.append(ValidationResult(name, "failed", error.message))
        else:
            results.append(result_of(name, outcome))
    return results


def result_of(name: str, outcome: str | Warned | None) -> ValidationResult:
    if isinstance(outcome, Warned):
        return ValidationResult(name, "warning", outcome.message)
    return ValidationResult(name, "passed", outcome)


def visibility_outcome(gaps: Sequence[str], passed: str | None = None) -> str | Warned | None:
    """Passed when the credentials see everything; otherwise a warning naming each gap (at most ten)."""
    if not gaps:
        return passed
    shown = "; ".join(gaps[:10]) + (f"; and {len(gaps) - 10} more" if len(gaps) > 10 else "")
    return Warned(f"{shown}. Objects hidden this way are never marked deleted: a crawl counts them as not "
                  "visible and leaves them as they are")


def validate_by_listing(
    test_connection: Callable[[], None],
    databases_in_scope: Callable[[], tuple[list[str], dict[str, str]]],
    list_schemas: Callable[[str], object],
    noun: str = "database",
    visibility: Callable[[list[str]], str | Warned | None] | None = None,
    names: ValidationTestNames = STANDARD_NAMES,
    after_connect: Sequence[tuple[str, Callable[[], str | Warned | None]]] = (),
) -> list[ValidationResult]:
    """The three tests for platforms reached through one session (`after_connect` ones after the first):
    connect, see the databases (catalogs) in scope, then list the schemas of the first few of them; `visibility`
    (given those databases) turns the last into a warning when the credentials cannot see everything there."""

    def visible() -> list[str]:
        databases, missing = databases_in_scope()
        if missing:
            raise PermissionDenied("; ".join(missing.values()))
        if not databases:
            raise PermissionDenied(f"these credentials see no {noun} besides system and internal ones")
        return databases

    def metadata_privileges() -> str | Warned | None:
        first = visible()[:10]
        for database in first:
            list_schemas(database)
        return visibility(first) if visibility is not None else None

    return run_validation([
        (names.connect, test_connection),
        *after_connect,
        (names.access, lambda: f"{len(visible())} {noun}(s) visible"),
        (names.privileges, metadata_privileges),
    ])


def skipped_after(names: Sequence[str], reason: str) -> list[ValidationResult]:
    return [ValidationResult(name, "skipped", reason) for name in names]
