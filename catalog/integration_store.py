"""Every statement on the integrations table."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.errors import IntegrationNotFound
from models import Integration

#: Statuses of an integration that no longer holds its host.
RELEASED_STATUSES = ("deleted", "disabled")


def get_integration(session: Session, integration_id: int, *, for_update: bool = False) -> Integration:
    query = select(Integration).where(Integration.id == integration_id)
    if for_update:
        query = query.with_for_update()
    integration = session.scalar(query)
    if integration is None:
        raise IntegrationNotFound(integration_id)
    return integration


def integration_on_host(session: Session, type_name: str, host: str) -> Integration | None:
    """The integration of this type that holds the host (one neither deleted nor disabled)."""
    return session.scalar(
        select(Integration)
        .where(Integration.type == type_name, func.lower(Integration.host) == host.lower(),
               Integration.status.not_in(RELEASED_STATUSES))
        .order_by(Integration.id).limit(1)
    )


def integration_of_connection(session: Session, connection_id: int) -> Integration | None:
    return session.scalar(
        select(Integration).where(Integration.connection_id == connection_id).order_by(Integration.id.desc()).limit(1)
    )


def list_integrations(session: Session, *, after_id: int | None = None, limit: int | None = None,
                      statuses: Collection[str] | None = None) -> list[Integration]:
    """Integrations by id, from after `after_id`."""
    query = select(Integration).order_by(Integration.id)
    if after_id is not None:
        query = query.where(Integration.id > after_id)
    if statuses is not None:
        query = query.where(Integration.status.in_(tuple(statuses)))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_integrations(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Integration)) or 0)


def record_integration_revalidation(session: Session, integration_id: int, settled: Collection[str], status: str,
                                    results: list[dict[str, Any]]) -> None:
    """The periodic validation's outcome, written only if the integration is still settled (an edit or a
    delete begun meanwhile wins)."""
    session.execute(update(Integration).where(Integration.id == integration_id,
                                              Integration.status.in_(tuple(settled)))
                    .values(status=status, validation_results=results))
