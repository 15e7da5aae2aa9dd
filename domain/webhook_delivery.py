"""A webhook delivery's status: pending until the endpoint accepts it (delivered) or the attempts run out (dead).

Members compare equal to the strings stored in the catalog.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
