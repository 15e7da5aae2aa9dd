"""The OpenAPI document: every error response is an RFC 9457 problem, and the change events' schemas (the
webhooks) are open for additions as the published event schema is."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.schemas.common import ProblemBody
from api.support.errors import PROBLEM_CONTENT_TYPE
from services.delivery.contract import contract_schema, open_for_additions

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemBody} for code in (400, 401, 403, 404, 409, 422, 503)
}


def accepted(where: str) -> dict[int | str, dict[str, Any]]:
    """A 202's documented `Location` header (where to follow the work), with the error responses."""
    return {202: {"headers": {"Location": {"description": where, "schema": {"type": "string"}}}},
            **ERROR_RESPONSES}


def install_problem_openapi(app: FastAPI) -> None:
    """Document error responses as `application/problem+json`, the media type they are sent with, and the
    event schemas open for additions."""

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()  # caches it in app.openapi_schema: adjusted in place, once
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for response in operation.get("responses", {}).values():
                        content = response.get("content", {})
                        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                        if ref.endswith(f"/{ProblemBody.__name__}"):
                            content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            event_schemas = set(contract_schema().get("$defs", {}))
            components = schema.get("components", {}).get("schemas", {})
            for name in event_schemas & set(components):
                components[name] = open_for_additions(components[name])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
