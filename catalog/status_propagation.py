"""Recomputing effective status down a subtree after a status setting changed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.session import raw_cursor
from domain import change_types as ev
from domain.paths import DATA_SOURCE_KINDS
from domain.status import ENABLED


@dataclass(frozen=True, slots=True)
class StatusFlip:
    id: int
    kind: str
    path: tuple[str, ...]
    effective_status: str


#: Objects with children.
CONTAINER_KINDS = ("connection", "database", "schema")


def inherit_below(session: Session, object_id: int) -> int:
    """Every object below `object_id` follows it again (status setting inherit); returns how many changed."""
    cur = raw_cursor(session)
    cur.execute(
        """
        WITH RECURSIVE below AS (
            SELECT id FROM data_objects WHERE parent_id = %s
            UNION ALL
            SELECT c.id FROM data_objects c JOIN below b ON c.parent_id = b.id
        )
        UPDATE data_objects d SET status_setting = 'inherit', revision = d.revision + 1
        FROM below WHERE d.id = below.id AND d.status_setting <> 'inherit'
        """,
        (object_id,),
    )
    return cur.rowcount


def refresh_effective_status(session: Session, root_ids: list[int]) -> list[StatusFlip]:
    """Resolve inherit settings from each root down; returns the objects whose effective status flipped."""
    if not root_ids:
        return []
    cur = raw_cursor(session)
    cur.execute(
        """
        WITH RECURSIVE tree AS (
            SELECT o.id,
                   CASE WHEN o.status_setting = 'inherit' THEN coalesce(p.effective_status, 'disabled')
                        ELSE o.status_setting END AS effective
            FROM data_objects o LEFT JOIN data_objects p ON p.id = o.parent_id
            WHERE o.id = ANY(%s)
            UNION ALL
            SELECT c.id, CASE WHEN c.status_setting = 'inherit' THEN t.effective ELSE c.status_setting END
            FROM data_objects c JOIN tree t ON c.parent_id = t.id
        )
        UPDATE data_objects d SET effective_status = tree.effective
        FROM tree
        WHERE d.id = tree.id AND d.effective_status <> tree.effective
        RETURNING d.id, d.kind, d.path, d.effective_status
        """,
        (root_ids,),
    )
    return [StatusFlip(r[0], r[1], tuple(r[2]), r[3]) for r in cur.fetchall()]


def data_source_events(flips: list[StatusFlip], cause: str) -> list[ev.PlannedEvent]:
    """data_source.enabled/disabled for tables and views whose effective status flipped because of `cause`."""
    return [
        ev.planned(
            ev.DATA_SOURCE_ENABLED if f.effective_status == ENABLED else ev.DATA_SOURCE_DISABLED,
            f.path, 0, {"kind": f.kind, "after": {"status": f.effective_status}}, cause,
        )
        for f in flips
        if f.kind in DATA_SOURCE_KINDS
    ]
