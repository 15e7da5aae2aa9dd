"""The FastAPI application: routers, error mapping, OpenAPI at /docs, the web console at /console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.convertors import PathConvertor, register_url_convertor

from api.routes import (
    connections,
    crawl,
    events,
    health,
    integrations,
    jobs,
    legacy,
    metrics,
    objects,
    schedule,
    settings,
    users,
    webhooks,
)
from api.routes import requests as owner_requests
from api.support.errors import install_error_handlers
from api.support.event_webhooks import register_event_webhooks
from api.support.request_guards import RequestGuards
from api.support.yaml_bodies import YamlBodies
from catalog.session import session_scope
from console.app import create_console
from services.access.tokens import bootstrap_admin_token
from workers.celery_app import install_enqueue_sender

ROUTERS = [
    health.router,
    metrics.router,
    connections.router,
    integrations.router,
    crawl.router,
    jobs.router,
    objects.router,
    settings.router,
    schedule.router,
    users.router,
    webhooks.router,
    owner_requests.router,
    events.router,
    legacy.router,
]


def _bootstrap() -> None:
    with session_scope() as session:
        bootstrap_admin_token(session)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(_bootstrap)
    yield


SWAGGER_ASSETS = "/console/static/vendor/swagger-ui"


def install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the assets the console serves, so it works without internet access."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            oauth2_redirect_url="/docs/oauth2-redirect", swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


class AnyPathConvertor(PathConvertor):
    """`{name:path}` that also matches names holding a newline or a tab (Starlette's stops at a newline)."""

    regex = r"[\s\S]*"


def create_app() -> FastAPI:
    register_url_convertor("path", AnyPathConvertor())
    app = FastAPI(
        title="objectsync",
        version="0.1.0",
        description="Control plane of the metadata object sync: connections, crawls, objects, settings, jobs. "
                    "The web console is at /console.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_enqueue_sender()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    register_event_webhooks(app)
    install_docs(app)
    app.add_middleware(YamlBodies)
    app.add_middleware(RequestGuards)  # outermost: nothing reads a body before its checks
    app.mount("/console", create_console(), name="console")
    return app
