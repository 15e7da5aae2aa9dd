"""Reading the mirrored hierarchy for display: an object's paged children, its tags, dictionary and history."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import TypeVar

from sqlalchemy import Select, any_, func, literal, or_, select
from sqlalchemy.orm import Session

from catalog.connection_tags import connection_tag_of
from models import ChangeEvent, Column, DataObject, Job, ObjectTag

NEW_TAG = "New"


def count_children(session: Session, parent_id: int, only: Collection[str] | None) -> int:
    return session.scalar(select(func.count()).select_from(DataObject).where(_children(parent_id, only))) or 0


def children(session: Session, parent_id: int, only: Collection[str] | None, offset: int,
             limit: int) -> list[DataObject]:
    return list(session.scalars(
        select(DataObject).where(_children(parent_id, only)).order_by(DataObject.name).offset(offset).limit(limit)
    ))


def _children(parent_id: int, only: Collection[str] | None):
    condition = DataObject.parent_id == parent_id
    if only is not None:
        condition = condition & DataObject.name.in_(sorted(only))
    return condition


def new_column_counts(session: Session, table_ids: Sequence[int]) -> dict[int, int]:
    """How many columns of each table carry the `New` tag (added or retyped, not yet validated)."""
    if not table_ids:
        return {}
    rows = session.execute(
        select(Column.table_id, func.count()).where(Column.table_id.in_(list(table_ids)),
                                                    literal(NEW_TAG) == any_(Column.tags)).group_by(Column.table_id)
    ).tuples()
    return {table_id: int(count) for table_id, count in rows}


def object_tags(session: Session, object_id: int) -> list[tuple[str, bool]]:
    """The object's tags by name, (name, system): those stored, and its connection tag if it is a data source."""
    stored = session.execute(select(ObjectTag.name, ObjectTag.system).where(ObjectTag.object_id == object_id)).tuples()
    tags = [(name, system) for name, system in stored]
    derived = connection_tag_of(session, object_id)
    return sorted(tags + [(derived, True)] if derived else tags)


def table_columns(session: Session, table_id: int) -> list[Column]:
    return list(session.scalars(select(Column).where(Column.table_id == table_id)
                                .order_by(Column.ordinal, Column.name)))


def count_history(session: Session, path: Sequence[str]) -> int:
    return session.scalar(select(func.count()).select_from(ChangeEvent)
                          .where(ChangeEvent.object_path == list(path))) or 0


def history(session: Session, path: Sequence[str], offset: int,
            limit: int) -> list[tuple[ChangeEvent, uuid.UUID | None]]:
    """The object's own change events, newest first, each with its job's bulkId."""
    rows = session.execute(
        select(ChangeEvent, Job.bulk_id).outerjoin(Job, Job.id == ChangeEvent.job_id)
        .where(ChangeEvent.object_path == list(path)).order_by(ChangeEvent.id.desc()).offset(offset).limit(limit)
    ).tuples()
    return list(rows)

QueryT = TypeVar("QueryT", bound=Select)


def _events_query(query: QueryT, *, after_id: int, before_id: int | None, types: Collection[str] | None,
                  path_prefix: Sequence[str] | None, within: Sequence[Sequence[str]] | None) -> QueryT:
    query = query.where(ChangeEvent.id > after_id)
    if before_id is not None:
        query = query.where(ChangeEvent.id < before_id)
    if types:
        query = query.where(ChangeEvent.type.in_(sorted(types)))
    if path_prefix:
        query = query.where(ChangeEvent.object_path[1:len(path_prefix)] == list(path_prefix))
    if within is not None:
        query = query.where(or_(*(ChangeEvent.object_path[1:len(p)] == list(p) for p in within)))
    return query


def events_after(session: Session, *, after_id: int = 0, before_id: int | None = None,
                 types: Collection[str] | None = None, path_prefix: Sequence[str] | None = None,
                 within: Sequence[Sequence[str]] | None = None, newest_first: bool = False,
                 limit: int = 100) -> list[tuple[ChangeEvent, uuid.UUID | None]]:
    """Change events in id order (or newest first), filtered by type, a path prefix, and the subtrees `within`
    (None: everywhere; empty: nowhere)."""
    if within is not None and not within:
        return []
    query = _events_query(select(ChangeEvent, Job.bulk_id).outerjoin(Job, Job.id == ChangeEvent.job_id),
                          after_id=after_id, before_id=before_id, types=types, path_prefix=path_prefix, within=within)
    order = ChangeEvent.id.desc() if newest_first else ChangeEvent.id
    return list(session.execute(query.order_by(order).limit(limit)).tuples())


def count_events(session: Session, *, after_id: int = 0, types: Collection[str] | None = None,
                 path_prefix: Sequence[str] | None = None, within: Sequence[Sequence[str]] | None = None) -> int:
    """How many events `events_after` would list without a limit."""
    if within is not None and not within:
        return 0
    query = _events_query(select(func.count()).select_from(ChangeEvent), after_id=after_id, before_id=None,
                          types=types, path_prefix=path_prefix, within=within)
    return session.scalar(query) or 0
