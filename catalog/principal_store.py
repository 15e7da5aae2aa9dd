"""Reading and writing users, groups and their grants (global, and DATA_OWNER on objects)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import DataObject, Grant, Group, GroupMember, User

DATA_OWNER = "DATA_OWNER"


def upsert_user(session: Session, name: str) -> User:
    """The user named `name`, inserted if new (names are unique)."""
    session.execute(insert(User).values(name=name).on_conflict_do_nothing(index_elements=[User.name]))
    return session.scalars(select(User).where(User.name == name)).one()


def insert_global_grants(session: Session, user_id: int, permissions: tuple[str, ...]) -> None:
    for permission in permissions:
        session.execute(
            insert(Grant).values(permission=permission, user_id=user_id, group_id=None, object_id=None)
            .on_conflict_do_nothing()
        )


def user_named(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def group_named(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def user_ids_by_name(session: Session, names: Collection[str]) -> dict[str, int]:
    return dict(session.execute(select(User.name, User.id).where(User.name.in_(sorted(names)))).tuples().all())


def group_ids_by_name(session: Session, names: Collection[str]) -> dict[str, int]:
    return dict(session.execute(select(Group.name, Group.id).where(Group.name.in_(sorted(names)))).tuples().all())


def global_permissions_by_user(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    """Permissions granted to the users themselves (not through groups), sorted."""
    permissions: dict[int, list[str]] = {}
    for user_id, permission in session.execute(
        select(Grant.user_id, Grant.permission)
        .where(Grant.user_id.in_(list(user_ids)), Grant.object_id.is_(None)).order_by(Grant.permission)
    ).tuples():
        if user_id is not None:
            permissions.setdefault(user_id, []).append(permission)
    return permissions


def group_names_by_user(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for user_id, name in session.execute(
        select(GroupMember.user_id, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(list(user_ids))).order_by(Group.name)
    ).tuples():
        groups.setdefault(user_id, []).append(name)
    return groups


def insert_group(session: Session, name: str, member_ids: Collection[int], permissions: Collection[str]) -> Group:
    """The group with its members and global grants."""
    group = Group(name=name)
    session.add(group)
    session.flush()
    if member_ids:
        session.execute(insert(GroupMember).values([{"group_id": group.id, "user_id": uid} for uid in member_ids]))
    for permission in sorted(permissions):
        session.execute(insert(Grant).values(permission=permission, group_id=group.id, user_id=None, object_id=None)
                        .on_conflict_do_nothing())
    return group


def user_name(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.name).where(User.id == user_id))


def group_ids_of_user(session: Session, user_id: int) -> tuple[int, ...]:
    return tuple(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id)))


def _held_by(user_id: int, group_ids: Sequence[int]) -> ColumnElement[Any]:
    if group_ids:
        return or_(Grant.user_id == user_id, Grant.group_id.in_(group_ids))
    return Grant.user_id == user_id


def global_permissions_held(session: Session, user_id: int, group_ids: Sequence[int]) -> frozenset[str]:
    """Global permissions granted to the user directly or through one of its groups."""
    return frozenset(session.scalars(
        select(Grant.permission).where(Grant.object_id.is_(None), _held_by(user_id, group_ids))
    ))


def paths_owned_by(session: Session, user_id: int, group_ids: Sequence[int]) -> list[tuple[str, ...]]:
    """Paths of the objects held with DATA_OWNER directly by the user or one of its groups."""
    rows = session.scalars(
        select(DataObject.path).join(Grant, Grant.object_id == DataObject.id)
        .where(Grant.permission == DATA_OWNER, _held_by(user_id, group_ids))
    )
    return [tuple(path) for path in rows]


_DATA_OWNERS_SQL = text("""
WITH RECURSIVE ancestors(id, parent_id) AS (
    SELECT id, parent_id FROM data_objects WHERE id = :object_id
    UNION ALL
    SELECT o.id, o.parent_id FROM data_objects o JOIN ancestors a ON o.id = a.parent_id
), granted AS (
    SELECT g.user_id, g.group_id FROM grants g JOIN ancestors a ON g.object_id = a.id
    WHERE g.permission = 'DATA_OWNER'
)
SELECT user_id FROM granted WHERE user_id IS NOT NULL
UNION
SELECT m.user_id FROM granted g JOIN group_members m ON m.group_id = g.group_id
ORDER BY 1
""")


def data_owner_ids(session: Session, object_id: int) -> list[int]:
    """User ids owning the object directly, through a group, or by a grant on any parent."""
    return list(session.scalars(_DATA_OWNERS_SQL, {"object_id": object_id}))


def governance_user_ids(session: Session) -> list[int]:
    """User ids holding GOVERNANCE directly or through a group."""
    return list(session.scalars(text("""
        SELECT g.user_id FROM grants g WHERE g.permission = 'GOVERNANCE' AND g.user_id IS NOT NULL
        UNION
        SELECT m.user_id FROM grants g JOIN group_members m ON m.group_id = g.group_id
        WHERE g.permission = 'GOVERNANCE'
        ORDER BY 1
    """)))


def replace_direct_owner_grants(session: Session, object_id: int, user_ids: Collection[int],
                                group_ids: Collection[int]) -> None:
    """The object's direct DATA_OWNER grants become exactly these users and groups."""
    session.execute(delete(Grant).where(Grant.object_id == object_id, Grant.permission == DATA_OWNER))
    rows = [{"permission": DATA_OWNER, "user_id": uid, "group_id": None, "object_id": object_id}
            for uid in user_ids]
    rows += [{"permission": DATA_OWNER, "user_id": None, "group_id": gid, "object_id": object_id}
             for gid in group_ids]
    if rows:
        session.execute(insert(Grant).values(rows).on_conflict_do_nothing())


def direct_owner_grants(session: Session, object_ids: Sequence[int]) -> Sequence[Row[int | None, str, str]]:
    """(object_id, user name, group name) of the direct DATA_OWNER grants of several objects, in one query."""
    return session.execute(
        select(Grant.object_id, User.name, Group.name)
        .outerjoin(User, User.id == Grant.user_id).outerjoin(Group, Group.id == Grant.group_id)
        .where(Grant.object_id.in_(list(object_ids)), Grant.permission == DATA_OWNER)
        .order_by(Grant.object_id, User.name, Group.name)
    ).all()
