"""The FastAPI application: routers, error mapping, OpenAPI at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.errors import install_error_handlers
from api.event_webhooks import register_event_webhooks
from api.routes import connections, crawl, health, jobs, metrics, objects, schedule, settings, users, webhooks
from api.routes import requests as owner_requests
from catalog.session import session_scope
from services.access.tokens import bootstrap_admin_token
from workers.celery_app import install_enqueue_sender

ROUTERS = [
    health.router,
    metrics.router,
    connections.router,
    crawl.router,
    jobs.router,
    objects.router,
    settings.router,
    schedule.router,
    users.router,
    webhooks.router,
    owner_requests.router,
]


def _bootstrap() -> None:
    with session_scope() as session:
        bootstrap_admin_token(session)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(_bootstrap)
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="objectsync",
        version="0.1.0",
        description="Control plane of the metadata object sync: connections, crawls, objects, settings, jobs.",
        lifespan=lifespan,
    )
    install_enqueue_sender()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    register_event_webhooks(app)
    return app
