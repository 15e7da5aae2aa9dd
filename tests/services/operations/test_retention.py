"""History retention against the real catalog: what the prune deletes, what it must keep, batching, the CLI."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from sqlalchemy import text

from beat_schedule import BEAT_SCHEDULE
from catalog.outbox_cursors import REDIS_STREAM, WEBHOOKS
from catalog.session import session_scope
from models import Job, JobSubtask, WebhookSubscription
from services.delivery.webhook_fanout import relay_to_webhooks
from services.operations.retention import prune_history
from settings import Settings
from tests.cli.test_cli import objectsync
from tests.support.events import column_events, write_outbox

pytestmark = pytest.mark.usefixtures("catalog")

TABLE = ("pg", "app", "Sales", "Orders")
ALL_CONSUMERS = (WEBHOOKS, REDIS_STREAM)


def retention(events: int = 0, jobs: int = 0, **overrides: object) -> Settings:
    return Settings(event_retention_days=events, job_retention_days=jobs, **overrides)


def write_events(count: int, start: int = 0) -> list[int]:
    return write_outbox("pg", column_events(TABLE, count, start=start))


def age_events(ids: list[int], days: int) -> None:
    with session_scope() as session:
        session.execute(text("UPDATE change_events SET occurred_at = now() - make_interval(days => :d) "
                             "WHERE id = ANY(:ids)"), {"d": days, "ids": ids})


def set_cursors(position: int, names: tuple[str, ...] = ALL_CONSUMERS) -> None:
    with session_scope() as session:
        for name in names:
            session.execute(text("""
                INSERT INTO relay_cursors (name, last_event_id) VALUES (:n, :p)
                ON CONFLICT (name) DO UPDATE SET last_event_id = :p
            """), {"n": name, "p": position})


def subscribe_and_relay(subscriptions: int = 1) -> list[int]:
    """Catch-all webhook subscriptions with a pending delivery of every event (moves the webhooks cursor)."""
    with session_scope() as session:
        added = [WebhookSubscription(url=f"https://hooks.example.com/{i}", secret_encrypted=b"secret")
                 for i in range(subscriptions)]
        session.add_all(added)
        session.flush()
        while relay_to_webhooks(session).events_read:
            pass
        return [subscription.id for subscription in added]


def settle(event_ids: list[int], status: str, attempts: int = 1, subscription_id: int | None = None) -> None:
    """Mark the events' deliveries (to one endpoint or all) as the delivery worker would, with their attempts."""
    match = "event_id = ANY(:ids) AND (CAST(:sid AS bigint) IS NULL OR subscription_id = :sid)"
    values = {"s": status, "a": attempts, "ids": event_ids, "sid": subscription_id, "ok": status == "delivered"}
    with session_scope() as session:
        session.execute(text(f"UPDATE webhook_deliveries SET status = :s, attempts = :a WHERE {match}"), values)
        session.execute(text(f"""
            INSERT INTO webhook_delivery_attempts (delivery_id, attempt, succeeded, status_code, duration_ms)
            SELECT id, n, :ok, CASE WHEN :ok THEN 200 ELSE 500 END, 5
            FROM webhook_deliveries, generate_series(1, :a) n WHERE {match}
        """), values)


def remaining_events() -> list[int]:
    with session_scope() as session:
        return list(session.scalars(text("SELECT id FROM change_events ORDER BY id")))


def remaining_deliveries() -> list[tuple[int, str]]:
    with session_scope() as session:
        return list(session.execute(text("SELECT event_id, status FROM webhook_deliveries ORDER BY event_id, status"))
                    .tuples())


def count(table: str) -> int:
    with session_scope() as session:
        return session.scalar(text(f"SELECT count(*) FROM {table}"))


def add_job(status: str, finished_days_ago: int | None, subtasks: int = 0) -> int:
    finished = None if finished_days_ago is None else datetime.now(UTC) - timedelta(days=finished_days_ago)
    with session_scope() as session:
        job = Job(kind="crawl", status=status, finished_at=finished)
        session.add(job)
        session.flush()
        session.add_all(JobSubtask(job_id=job.id, database="app", schema=f"s{i}", status="succeeded")
                        for i in range(subtasks))
        return job.id


def remaining_jobs() -> list[int]:
    with session_scope() as session:
        return list(session.scalars(text("SELECT id FROM jobs ORDER BY id")))


def test_old_relayed_events_go_with_their_settled_deliveries_and_attempts() -> None:
    old = write_events(3)
    recent = write_events(2, start=3)
    subscribe_and_relay()
    settle(old[:2], "delivered")
    settle(old[2:] + recent, "dead", attempts=3)
    set_cursors(recent[-1])
    age_events(old, 40)

    pruned = prune_history(retention(events=30))

    assert (pruned.events, pruned.deliveries, pruned.jobs) == (3, 3, None)
    assert remaining_events() == recent
    assert remaining_deliveries() == [(recent[0], "dead"), (recent[1], "dead")]
    assert count("webhook_delivery_attempts") == 6  # the recent events' attempts only


def test_events_a_consumer_has_not_relayed_are_kept() -> None:
    ids = write_events(6)
    age_events(ids, 40)
    set_cursors(ids[-1], (WEBHOOKS,))
    set_cursors(ids[2], (REDIS_STREAM,))

    assert prune_history(retention(events=30)).events == 3
    assert remaining_events() == ids[3:]


def test_nothing_goes_while_a_consumer_has_no_cursor_yet() -> None:
    ids = write_events(4)
    age_events(ids, 40)
    set_cursors(ids[-1], (WEBHOOKS,))

    assert prune_history(retention(events=30)).events == 0
    assert remaining_events() == ids
    # With the stream switched off its cursor never moves, so it is not waited for.
    assert prune_history(retention(events=30, event_stream_enabled=False)).events == 3
    assert remaining_events() == ids[-1:]


def test_the_newest_event_always_stays() -> None:
    ids = write_events(3)
    age_events(ids, 40)
    set_cursors(ids[-1])

    assert prune_history(retention(events=30)).events == 2
    assert remaining_events() == ids[-1:]  # connections' event namespaces are taken from max(id)


def test_an_event_with_a_pending_delivery_is_kept_with_all_its_deliveries() -> None:
    ids = write_events(4)
    first, second = subscribe_and_relay(subscriptions=2)
    settle(ids, "delivered", subscription_id=first)
    settle(ids[:1] + ids[2:], "dead", subscription_id=second)  # ids[1] is still pending for the second endpoint
    set_cursors(ids[-1])
    age_events(ids, 40)

    pruned = prune_history(retention(events=30))

    assert (pruned.events, pruned.deliveries) == (2, 4)
    assert remaining_events() == [ids[1], ids[3]]
    assert remaining_deliveries() == [(ids[1], "delivered"), (ids[1], "pending"), (ids[3], "dead"),
                                      (ids[3], "delivered")]


def test_recent_events_are_kept() -> None:
    ids = write_events(4)
    set_cursors(ids[-1])
    age_events(ids[:2], 29)

    assert prune_history(retention(events=30)).events == 0
    assert remaining_events() == ids
    age_events(ids[:1], 31)
    assert prune_history(retention(events=30)).events == 1
    assert remaining_events() == ids[1:]


def test_zero_retention_keeps_everything() -> None:
    ids = write_events(3)
    set_cursors(ids[-1])
    age_events(ids, 4000)
    jobs = [add_job("succeeded", 4000, subtasks=2), add_job("failed", 4000)]

    pruned = prune_history(retention())

    assert pruned.retention_off
    assert (pruned.events, pruned.deliveries, pruned.jobs) == (None, None, None)
    assert pruned.lines() == ["retention is off (OBJECTSYNC_EVENT_RETENTION_DAYS and OBJECTSYNC_JOB_RETENTION_DAYS "
                              "are 0): nothing pruned"]
    assert remaining_events() == ids
    assert remaining_jobs() == jobs
    assert count("job_subtasks") == 2


def test_old_finished_jobs_go_with_their_subtasks_unfinished_ones_stay() -> None:
    old = [add_job("succeeded", 100, subtasks=3), add_job("partial", 100, subtasks=1), add_job("failed", 100)]
    kept = [add_job("succeeded", 10, subtasks=2), add_job("running", None, subtasks=1), add_job("queued", None)]
    [event] = write_events(1)
    with session_scope() as session:  # events keep the id of a pruned job (a plain column)
        session.execute(text("UPDATE change_events SET job_id = :j"), {"j": old[0]})
    with session_scope() as session:  # even a stale job never finished is not "finished" long ago
        session.execute(text("UPDATE jobs SET created_at = now() - interval '200 days' WHERE id = ANY(:ids)"),
                        {"ids": kept[1:]})

    pruned = prune_history(retention(jobs=30))

    assert (pruned.jobs, pruned.events) == (3, None)
    assert remaining_jobs() == kept
    assert count("job_subtasks") == 3
    assert remaining_events() == [event]


def test_more_rows_than_one_batch_are_all_pruned() -> None:
    ids = write_events(26)
    subscribe_and_relay()
    settle(ids, "delivered", attempts=2)
    set_cursors(ids[-1])
    age_events(ids, 40)
    for _ in range(23):
        add_job("succeeded", 40, subtasks=1)

    pruned = prune_history(retention(events=30, jobs=30), batch_size=10)

    assert (pruned.events, pruned.deliveries, pruned.jobs) == (25, 25, 23)
    assert remaining_events() == ids[-1:]
    assert count("webhook_delivery_attempts") == 2
    assert remaining_jobs() == [] and count("job_subtasks") == 0


def test_beat_runs_the_registered_task_daily() -> None:
    from tasks.retention import prune_history as task

    entry = BEAT_SCHEDULE["prune-history"]
    assert entry["task"] == task.name == "objectsync.prune_history"
    assert entry["options"]["expires"] > 0
    assert entry["schedule"] == crontab(hour="3", minute="30")
    assert task.run() == {"dryRun": False, "eventRetentionDays": 0, "jobRetentionDays": 0, "events": None,
                          "deliveries": None, "jobs": None}


def test_cli_dry_run_prints_counts_and_deletes_nothing() -> None:
    ids = write_events(4)
    subscribe_and_relay()
    settle(ids, "delivered")
    set_cursors(ids[-1])
    age_events(ids[:3], 40)
    jobs = [add_job("failed", 40), add_job("succeeded", 40), add_job("running", None)]
    env = {**os.environ, "OBJECTSYNC_EVENT_RETENTION_DAYS": "30", "OBJECTSYNC_JOB_RETENTION_DAYS": "30"}

    dry = objectsync("prune", "--dry-run", env=env)

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "would delete 3 change events older than 30 days and 3 of their webhook deliveries",
        "would delete 2 jobs finished more than 30 days ago",
    ]
    assert remaining_events() == ids and len(remaining_deliveries()) == 4 and remaining_jobs() == jobs

    done = objectsync("prune", env=env)

    assert done.returncode == 0, done.stderr
    assert "deleted 3 change events" in done.stdout and "deleted 2 jobs" in done.stdout
    assert remaining_events() == ids[3:] and remaining_jobs() == jobs[2:]


def test_cli_says_when_retention_is_off() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_RETENTION_DAYS")}
    result = objectsync("prune", env=env)
    assert result.returncode == 0, result.stderr
    assert "retention is off" in result.stdout
