"""Endpoints of the data-source API that connections replace: each answers 400 naming its substitute, so a
script still calling one learns what to call instead."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.support.errors import problem_response

router = APIRouter(tags=["legacy"], deprecated=True)

#: (methods, path, what to use instead)
BLOCKED: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("GET", "POST", "PUT", "DELETE"), "/dataSource",
     "GET /data/object/{objectPath} and PUT /data/settings/{objectPath}"),
    (("GET", "POST", "PUT", "DELETE"), "/dataSource/{rest:path}",
     "PUT /data/settings/{objectPath} (isActive, dataOwners) or DELETE /data/object/{objectPath}"),
    (("POST", "PUT"), "/api/v2/data", "POST /data/crawl/{objectPath}"),
    (("POST", "PUT"), "/api/v2/data/{rest:path}", "PUT /data/connection/{connectionKey}"),
    (("POST", "PUT", "DELETE"), "/dictionary/{rest:path}", "the data dictionary follows the platform"),
    (("POST",), "/subscription/deny", "PUT /data/settings/{objectPath} with dataOwners"),
    (("POST",), "/subscription/deny/bulk", "PUT /data/settings/{objectPath} with dataOwners"),
    (("PUT",), "/sdd/template/apply", "the connection's data source names"),
    (("POST",), "/sdd/run", "the connection's data source names"),
    (("GET",), "/schemas", "GET /data/object/{objectPath}"),
)


def _blocked(instead: str) -> Callable[[Request], JSONResponse]:
    def answer(request: Request) -> JSONResponse:
        return problem_response(request, 400, f"{request.method} {request.url.path} is blocked with connections "
                                              f"(use {instead}). Use the /data endpoint.")
    return answer


for methods, path, instead in BLOCKED:
    router.add_api_route(path, _blocked(instead), methods=list(methods), include_in_schema=False)
