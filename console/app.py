"""The console as an application of its own, mounted by the API under /console."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console.routes import auth, connections, events, jobs, objects, requests, webhooks
from console.support.errors import install_error_handlers
from console.support.rendering import PACKAGE

STATIC = PACKAGE / "static"


def create_console() -> FastAPI:
    console = FastAPI(title="objectsync console", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(console)
    console.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (auth, connections, objects, jobs, events, requests, webhooks):
        console.include_router(module.router)
    return console
