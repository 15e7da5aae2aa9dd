"""Reading and writing users, groups and their global grants."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import Grant, Group, GroupMember, User


def user_named(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def group_named(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def user_ids_by_name(session: Session, names: Collection[str]) -> dict[str, int]:
    return dict(session.execute(select(User.name, User.id).where(User.name.in_(sorted(names)))).tuples().all())


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
