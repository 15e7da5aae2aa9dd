"""Who may do what: global APPLICATION_ADMIN and GOVERNANCE, and DATA_OWNER on an object, inherited downward.

A DATA_OWNER grant on an object covers its whole subtree; grants reach users directly or through groups.
Object access is decided on object paths: an owned path that is a prefix of the target path grants access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.principal_store import (
    data_owner_ids,
    global_permissions_held,
    group_ids_of_user,
    paths_owned_by,
    user_name,
)
from catalog.session import Session
from domain.errors import Forbidden

APPLICATION_ADMIN = "APPLICATION_ADMIN"
GOVERNANCE = "GOVERNANCE"


class PermissionRequired(Forbidden):
    """The caller is known but lacks the permission the action needs."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    name: str
    global_permissions: frozenset[str]
    group_ids: tuple[int, ...]

    @property
    def is_governance(self) -> bool:
        return GOVERNANCE in self.global_permissions

    @property
    def is_application_admin(self) -> bool:
        return APPLICATION_ADMIN in self.global_permissions

    @property
    def sees_everything(self) -> bool:
        """Global admins view, crawl and delete any object; data owners only their subtrees."""
        return self.is_governance or self.is_application_admin


def load_principal(session: Session, user_id: int) -> Principal:
    name = user_name(session, user_id)
    if name is None:
        raise PermissionRequired("the token's user no longer exists")
    group_ids = group_ids_of_user(session, user_id)
    permissions = global_permissions_held(session, user_id, group_ids)
    return Principal(user_id=user_id, name=name, global_permissions=permissions, group_ids=group_ids)


def require_global(principal: Principal, *permissions: str) -> None:
    """Pass if the principal holds any of `permissions` (GOVERNANCE manages everything)."""
    if principal.is_governance or principal.global_permissions.intersection(permissions):
        return
    raise PermissionRequired(f"this action requires one of the permissions {', '.join((*permissions, GOVERNANCE))}")


def owned_paths(session: Session, principal: Principal) -> list[tuple[str, ...]]:
    """Paths of the objects the principal holds DATA_OWNER on directly (their subtrees are owned too)."""
    return paths_owned_by(session, principal.user_id, principal.group_ids)


def _is_prefix(prefix: Sequence[str], path: Sequence[str]) -> bool:
    return len(prefix) <= len(path) and tuple(path[: len(prefix)]) == tuple(prefix)


def can_manage(session: Session, principal: Principal, path: Sequence[str]) -> bool:
    """View, crawl and delete rights on the subtree at `path`."""
    if principal.sees_everything:
        return True
    return any(_is_prefix(owned, path) for owned in owned_paths(session, principal))


def require_object_access(session: Session, principal: Principal, path: Sequence[str]) -> None:
    if not can_manage(session, principal, path):
        raise PermissionRequired(f"DATA_OWNER on {list(path)!r} or one of its parents is required")


def require_connection_access(session: Session, principal: Principal, key: str) -> None:
    """Reading a connection: global admins, and data owners of anything in it."""
    keys = visible_connection_keys(session, principal)
    if keys is not None and key not in keys:
        raise PermissionRequired(f"DATA_OWNER on connection {key!r} or anything in it is required")


def visible_child_names(session: Session, principal: Principal, path: Sequence[str]) -> frozenset[str] | None:
    """Which children of `path` the principal may see: None for all of them.

    An owner of something deeper sees the ancestors on the way to it, but only those children that lead to
    what it owns. Raises PermissionRequired when nothing at or below `path` is owned.
    """
    if principal.sees_everything:
        return None
    owned = owned_paths(session, principal)
    if any(_is_prefix(o, path) for o in owned):
        return None
    leading = frozenset(o[len(path)] for o in owned if len(o) > len(path) and _is_prefix(path, o))
    if not leading:
        raise PermissionRequired(f"DATA_OWNER on {list(path)!r}, one of its parents or children is required")
    return leading


def visible_connection_keys(session: Session, principal: Principal) -> frozenset[str] | None:
    """Connections the principal may list (None: all): those where it owns anything."""
    if principal.sees_everything:
        return None
    return frozenset(path[0] for path in owned_paths(session, principal))


def data_owners_of(session: Session, object_id: int) -> list[int]:
    """User ids owning the object directly, through a group, or by a grant on any parent."""
    return data_owner_ids(session, object_id)
