"""The one settings object, read from the environment when first asked for."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OBJECTSYNC_", extra="ignore", populate_by_name=True)

    # Servers. Unset means "embedded" for the CLI demo; services require them.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    #: The task broker when it is not REDIS_URL: `amqp://guest:guest@127.0.0.1:5672//` for RabbitMQ, which
    #: returns a dead worker's unacknowledged tasks as soon as its connection drops (no visibility timeout).
    broker_url: str | None = None

    home: Path = Path.home() / ".objectsync"
    secret_key: str | None = None  # Fernet key for credentials at rest

    default_cron: str = "0 1 * * *"
    #: A crawl holds the deletions (and only those) of a scope when they are at least the minimum count and
    #: more than the threshold share of what it checked; `--allow-mass-deletion` applies them.
    mass_deletion_threshold: float = 0.5
    mass_deletion_minimum: int = Field(default=2, ge=1)
    internal_databases: list[str] = Field(default_factory=list)
    schema_read_retries: int = 3
    remote_timeout_seconds: float = 30.0
    #: Every N-th crawl of a connection reads every column whatever the change tokens say (0: only on request),
    #: to recover from a platform whose token missed a change.
    full_read_every: int = Field(default=20, ge=0)
    #: A schema with more tables than this is crawled as name-range batches of at most this many tables, each
    #: its own subtask (fanned out like schemas). Smaller batches lower each process's peak memory; each costs a
    #: few queries and a commit more (a 10k x 50 first sync on two processes: ~8 % faster with 2,000 than with
    #: 1,000; 2,500 within the noise of 2,000).
    schema_batch_tables: int = Field(default=2000, ge=1)
    #: The worker processes expected to crawl a large schema's batches side by side (two in the default pool; set
    #: it to the processes a deployment runs, up to remote_reads_per_connection): the batches come in whole rounds
    #: of this many, the first and last few smaller, so the processes work a fraction of a batch apart and finish
    #: together rather than one running the last batch alone.
    schema_batch_parallelism: int = Field(default=2, ge=1)
    #: At most this many remote reads of one connection at a time, over all workers (protects a warehouse).
    remote_reads_per_connection: int = Field(default=4, ge=1)
    #: Catalog connections one process may hold at once. A running subtask holds up to three (its session, its
    #: claim, a read slot), so a `--pool threads` worker needs about three per thread; idle ones beyond five close.
    catalog_max_connections: int = Field(default=40, ge=5)
    #: A worker's kept platform session unused for longer than this is closed, not reused.
    remote_session_max_idle_seconds: float = Field(default=60.0, ge=0)
    #: Redis broker only: an unacknowledged task of a killed worker is redelivered after this (kombu looks for
    #: such tasks about every 100 s, so the real bound is up to that much later).
    redis_visibility_timeout: int = 600
    #: A job with no progress for this long has lost its task messages (e.g. a Redis restart without
    #: persistence); the dispatcher then enqueues its pending work again.
    stalled_job_seconds: int = 600
    #: Every task is interrupted (SoftTimeLimitExceeded: its work fails with that reason) after this long, and
    #: its pool process is killed after the hard limit, so no task can hold a worker, a lock or a transaction
    #: forever. Keep the hard limit below the Redis visibility timeout, or a long task is delivered twice.
    task_soft_time_limit_seconds: int = Field(default=540, ge=1)
    task_time_limit_seconds: int = Field(default=570, ge=1)
    redis_key_prefix: str = ""  # isolates several deployments (or test runs) sharing one Redis
    dry_run_change_limit: int = 1000
    #: The largest request body the API reads; a longer one is refused with 413 before it is buffered.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    bootstrap_token: str | None = None  # an operator-chosen admin API token for a fresh deployment

    #: Log lines as text (for a terminal) or as one JSON object per line (for a log pipeline).
    log_format: Literal["text", "json"] = "text"

    # Change events onward: webhook delivery, the Redis stream, owner requests.
    #: Allow webhook URLs resolving to private, loopback or link-local addresses (off: SSRF guard).
    webhook_allow_private_addresses: bool = False
    webhook_timeout_seconds: float = 10.0
    #: Attempts before a delivery is dead-lettered and the endpoint moves on to its next event.
    webhook_max_attempts: int = Field(default=8, ge=1)
    #: Consecutive failed attempts after which an endpoint is disabled (until re-enabled by hand).
    webhook_disable_after_failures: int = Field(default=50, ge=1)
    webhook_backoff_base_seconds: float = Field(default=2.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    #: Deliveries one endpoint gets per task run before yielding the worker to other endpoints.
    webhook_batch_per_endpoint: int = Field(default=100, ge=1)
    #: After a secret rotation, deliveries carry signatures with the old and the new secret this long.
    webhook_secret_rotation_grace_seconds: int = Field(default=86_400, ge=0)
    relay_batch_size: int = Field(default=1000, ge=1)
    event_stream_enabled: bool = True
    event_stream_key: str = "objectsync:events"
    event_stream_maxlen: int = Field(default=100_000, ge=1)
    #: Column added/deleted on a data source raises an owner validation request to its data owners.
    owner_requests_enabled: bool = True

    # Retention: the nightly prune (and `objectsync prune`) deletes older history; 0 keeps it forever.
    #: Change events (object history) and their settled webhook deliveries older than this many days, once
    #: every outbox consumer has relayed them.
    event_retention_days: int = Field(default=0, ge=0)
    #: Finished jobs (with their subtasks) that finished more than this many days ago.
    job_retention_days: int = Field(default=0, ge=0)


    @property
    def task_broker_url(self) -> str | None:
        return self.broker_url or self.redis_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
