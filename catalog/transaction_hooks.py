"""Callbacks every catalog session runs when a transaction ends, for work that must follow the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

AfterCommit = Callable[[Session], None]
AfterSoftRollback = Callable[[Session, Any], None]


def after_commit(callback: AfterCommit) -> AfterCommit:
    """Run `callback(session)` after any session commits."""
    event.listen(Session, "after_commit", callback)
    return callback


def after_soft_rollback(callback: AfterSoftRollback) -> AfterSoftRollback:
    """Run `callback(session, previous_transaction)` after any rollback, a savepoint's included."""
    event.listen(Session, "after_soft_rollback", callback)
    return callback
