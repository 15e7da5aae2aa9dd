"""Per-connection cron schedules (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import CroniterBadDateError, croniter

from domain.errors import Invalid


class InvalidCron(Invalid):
    pass


def validate_cron(expression: str) -> str:
    expression = " ".join(expression.split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise InvalidCron(f"not a valid 5-field cron expression: {expression!r}")
    try:
        croniter(expression, datetime.now(UTC)).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidCron(f"cron expression {expression!r} never fires (no such date)") from None
    return expression


def next_run(expression: str, after: datetime | None = None) -> datetime:
    """The next firing strictly after `after`, evaluated in UTC (a naive `after` is taken as UTC)."""
    base = (after or datetime.now(UTC))
    base = base.replace(tzinfo=UTC) if base.tzinfo is None else base.astimezone(UTC)
    return croniter(validate_cron(expression), base).get_next(datetime)
