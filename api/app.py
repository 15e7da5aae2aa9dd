"""The FastAPI application: routers, error mapping, OpenAPI at /docs, the web console at /console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic.alias_generators import to_camel
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
from api.support.error_responses import install_problem_openapi
from api.support.errors import install_error_handlers
from api.support.event_webhooks import register_event_webhooks
from api.support.idempotency import IdempotencyMiddleware
from api.support.query_params import reject_unknown_query_parameters
from api.support.request_guards import RequestGuards
from api.support.yaml_bodies import YamlBodies
from catalog.session import session_scope
from console.app import create_console
from services.access.tokens import bootstrap_admin_token
from workers.celery_app import install_enqueue_sender
from workers.tracing import start_tracing

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


def operation_id(route: APIRoute) -> str:
    """Stable, readable operationIds: the endpoint function's name in camelCase (`list_connections` →
    `listConnections`), so renaming a path never renames its operation."""
    return to_camel(route.name)


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
        dependencies=[Depends(reject_unknown_query_parameters)],
        generate_unique_id_function=operation_id,
    )
    install_enqueue_sender()
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    register_event_webhooks(app)
    install_docs(app)
    install_problem_openapi(app)
    app.add_middleware(YamlBodies)
    app.add_middleware(RequestGuards)  # outermost: nothing reads a body before its checks
    app.mount("/console", create_console(), name="console")
    if start_tracing("objectsync-api"):
        FastAPIInstrumentor.instrument_app(app)
    return app
