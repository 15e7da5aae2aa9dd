"""The CloudEvents 1.0 envelope every change event travels in, on webhooks and on the Redis stream."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from services.delivery.contract.common import Strict


class CloudEvent(Strict):
    """Structured-mode CloudEvent (JSON). Dedupe on `id`, order on `sequence`; `data` depends on `type`."""

    specversion: Literal["1.0"]
    id: uuid.UUID = Field(description="Stable event id: the same change always has the same id (dedupe on it)")
    type: str = Field(description="`objectsync.` + the event type, e.g. `objectsync.column.added`")
    source: str = Field(pattern=r"^objectsync://connections/[^/]+$",
                        description="`objectsync://connections/<connectionKey>`, the key percent-encoded")
    subject: str = Field(min_length=1, description="The object path as `connection/database/schema/table`, "
                                                   "each segment percent-encoded")
    time: datetime = Field(description="When the change was written to the outbox (UTC, `Z`)")
    datacontenttype: Literal["application/json"]
    sequence: str = Field(pattern=r"^[1-9][0-9]*$",
                          description="Outbox position, increasing in commit order (order on it)")
    data: Any = Field(description="The event type's own model: objectPath, objectId, jobId, before, after and more")

