"""Per-connection cron schedules: validation and the next run time (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.schedule import InvalidCron, next_run, validate_cron


@pytest.mark.parametrize(("expression", "normalised"), [
    pytest.param("0 1 * * *", "0 1 * * *", id="default-daily"),
    pytest.param("*/15 * * * *", "*/15 * * * *", id="every-15-minutes"),
    pytest.param("0 1 * * MON-FRI", "0 1 * * MON-FRI", id="weekdays-by-name"),
    pytest.param("30 2 1,15 * *", "30 2 1,15 * *", id="lists"),
    pytest.param("0 0 29 2 *", "0 0 29 2 *", id="leap-day"),
    pytest.param("  0\t1  * *   *\n", "0 1 * * *", id="whitespace-normalised"),
])
def test_valid_cron_is_normalised(expression: str, normalised: str) -> None:
    assert validate_cron(expression) == normalised


@pytest.mark.parametrize("expression", [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("@daily", id="alias"),
    pytest.param("* * * *", id="four-fields"),
    pytest.param("0 1 * * * *", id="six-fields-with-seconds"),
    pytest.param("61 * * * *", id="minute-out-of-range"),
    pytest.param("0 25 * * *", id="hour-out-of-range"),
    pytest.param("0 1 0 * *", id="day-zero"),
    pytest.param("0 1 * 13 *", id="month-13"),
    pytest.param("0 1 * * 8", id="weekday-8"),
    pytest.param("a b c d e", id="words"),
])
def test_invalid_cron_is_rejected_with_the_expression(expression: str) -> None:
    with pytest.raises(InvalidCron, match="5-field cron"):
        validate_cron(expression)


AT = datetime(2024, 3, 1, 0, 30, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(("expression", "after", "expected"), [
    pytest.param("0 1 * * *", AT, datetime(2024, 3, 1, 1, 0, tzinfo=UTC), id="later-today"),
    pytest.param("0 1 * * *", AT.replace(hour=1, minute=0), datetime(2024, 3, 2, 1, 0, tzinfo=UTC),
                 id="strictly-after-a-due-time"),
    pytest.param("0 1 * * *", AT.replace(hour=23), datetime(2024, 3, 2, 1, 0, tzinfo=UTC), id="tomorrow"),
    pytest.param("*/15 * * * *", AT.replace(minute=37), datetime(2024, 3, 1, 0, 45, tzinfo=UTC), id="quarter-hours"),
    pytest.param("0 1 * * MON-FRI", AT.replace(hour=2), datetime(2024, 3, 4, 1, 0, tzinfo=UTC),
                 id="friday-to-monday"),
    pytest.param("0 0 29 2 *", AT, datetime(2028, 2, 29, 0, 0, tzinfo=UTC), id="next-leap-day"),
    pytest.param("0 0 1 * *", datetime(2024, 12, 31, 12, 0, tzinfo=UTC), datetime(2025, 1, 1, 0, 0, tzinfo=UTC),
                 id="year-boundary"),
])
def test_next_run(expression: str, after: datetime, expected: datetime) -> None:
    result = next_run(expression, after)
    assert result == expected and result.utcoffset() == timedelta(0)


def test_next_run_defaults_to_now() -> None:
    before = datetime.now(UTC)
    result = next_run("* * * * *")
    assert before < result <= before + timedelta(minutes=1, seconds=1)


def test_next_run_rejects_invalid_cron() -> None:
    with pytest.raises(InvalidCron):
        next_run("every day", AT)


def test_next_run_is_utc_whatever_the_zone_of_after() -> None:
    """PostgreSQL hands timestamptz back in the session time zone, so `after` may carry any offset."""
    paris = timezone(timedelta(hours=1))
    assert next_run("0 1 * * *", AT.astimezone(paris)) == datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def test_next_run_is_timezone_aware_for_a_naive_after() -> None:
    assert next_run("0 1 * * *", AT.replace(tzinfo=None)).tzinfo is not None


def test_cron_that_never_fires_is_rejected_when_validated() -> None:
    with pytest.raises(InvalidCron):
        validate_cron("0 1 31 2 *")
