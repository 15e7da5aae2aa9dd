"""Prometheus exposition at /metrics for APPLICATION_ADMIN or GOVERNANCE tokens (scrape with a bearer token)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.support.auth import CurrentPrincipal
from api.support.error_responses import ERROR_RESPONSES
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.operations.metrics import registry
from workers.broker_depths import read_broker_depths

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={
    **ERROR_RESPONSES, 200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
async def get_metrics(principal: CurrentPrincipal) -> Response:
    require_global(principal, APPLICATION_ADMIN)
    body = await run_in_threadpool(generate_latest, registry(read_broker_depths))
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
