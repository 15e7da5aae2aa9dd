"""Paging of every list: `cursor` (opaque, from the previous page's `nextCursor`) and `limit`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from api.schemas.common import Page
from domain.errors import Invalid

ItemT = TypeVar("ItemT")
MAX_OFFSET = 10_000_000


class InvalidCursor(Invalid):
    def __init__(self, cursor: str):
        super().__init__(f"invalid cursor {cursor[:40]!r}: pass a nextCursor from an earlier page")


class PageRequest:
    """Where a page starts and how long it is. A cursor is opaque to clients: an offset for lists ordered by
    name or time, the last id seen for lists ordered by id (those stay stable while rows are added)."""

    def __init__(
        self,
        cursor: Annotated[str | None, Query(max_length=20, description="nextCursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 100,
    ):
        self.cursor = cursor
        self.limit = limit

    @property
    def offset(self) -> int:
        if self.cursor is None:
            return 0
        if not self.cursor.isdigit() or int(self.cursor) > MAX_OFFSET:
            raise InvalidCursor(self.cursor)
        return int(self.cursor)

    @property
    def after_id(self) -> int:
        if self.cursor is None:
            return 0
        if not self.cursor.isdigit() or int(self.cursor) >= 2**63:
            raise InvalidCursor(self.cursor)
        return int(self.cursor)

    def page(self, items: Sequence[ItemT], total: int) -> Page[ItemT]:
        """A page at `offset` of `total` items."""
        end = self.offset + len(items)
        return Page[ItemT](items=list(items), total=total, next_cursor=str(end) if end < total else None)

    def page_of_all(self, items: Sequence[ItemT]) -> Page[ItemT]:
        """A page of a short list read whole."""
        return self.page(items[self.offset:self.offset + self.limit], len(items))

    def page_after(self, items: Sequence[ItemT], total: int, last_id: int | None) -> Page[ItemT]:
        """A page of the `total` items after the cursor's id, `last_id` being the id of this page's last one."""
        more = last_id is not None and total > len(items)
        return Page[ItemT](items=list(items), total=total, next_cursor=str(last_id) if more else None)


PageParams = Annotated[PageRequest, Depends()]
