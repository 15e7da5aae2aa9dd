"""Liveness and readiness probes: public (no token), and they name no host, URL or credential."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from api.schemas.common import CamelModel
from services.operations.health import readiness

router = APIRouter(tags=["health"])


class CheckView(CamelModel):
    name: str
    ok: bool
    detail: str
    milliseconds: int


class HealthView(CamelModel):
    status: Literal["ok", "unavailable"]
    checks: list[CheckView] = []


@router.get("/health/live", response_model=HealthView)
def get_liveness() -> HealthView:
    """The process serves requests; says nothing about its dependencies."""
    return HealthView(status="ok")


@router.get("/health/ready", response_model=HealthView,
            responses={503: {"model": HealthView, "description": "a dependency is down or not migrated"}})
async def get_readiness(response: Response) -> HealthView:
    """The catalog answers and is migrated to this code's head, and the broker answers."""
    checks = await run_in_threadpool(readiness)
    views = [CheckView(name=c.name, ok=c.ok, detail=c.detail, milliseconds=c.milliseconds) for c in checks]
    if all(c.ok for c in checks):
        return HealthView(status="ok", checks=views)
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthView(status="unavailable", checks=views)
