"""The API's one convention, read from the OpenAPI document it serves: readable operationIds, camelCase path
parameters, RFC 9457 problem documents for errors, and one page envelope on every list."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.app import create_app

DOCUMENT = create_app().openapi()
OPERATIONS = [(method, path, op) for path, item in DOCUMENT["paths"].items() for method, op in item.items()
              if method in ("get", "put", "post", "delete", "patch")]
PROBES = {"/health/live", "/health/ready"}  # answer "ok" or the failing dependency, never a problem document
CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_operation_ids_are_readable_camel_case_and_unique() -> None:
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert [i for i in ids if not CAMEL.match(i)] == []


def test_path_parameters_are_camel_case() -> None:
    names = {p["name"] for _, _, op in OPERATIONS for p in op.get("parameters", []) if p["in"] == "path"}
    assert names and [n for n in names if not CAMEL.match(n)] == []
    assert all(CAMEL.match(n) for path in DOCUMENT["paths"] for n in re.findall(r"{(\w+)", path))


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in OPERATIONS if p not in PROBES])
def test_errors_are_problem_documents(method: str, path: str) -> None:
    responses = DOCUMENT["paths"][path][method]["responses"]
    errors = {code: r for code, r in responses.items() if code[0] in "45"}
    assert {"401", "404", "422"} <= set(errors)
    assert all(list(r.get("content", {})) == ["application/problem+json"] for r in errors.values()), errors


@pytest.mark.parametrize("path", [p for m, p, op in OPERATIONS if m == "get" and op["operationId"].startswith("list")])
def test_every_list_answers_one_page_envelope(path: str) -> None:
    operation = DOCUMENT["paths"][path]["get"]
    page = resolve(operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"items", "total", "nextCursor"} <= set(page["properties"]), page
    assert {"cursor", "limit"} <= {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, op in OPERATIONS if "202" in op["responses"]])
def test_every_202_documents_its_location(method: str, path: str) -> None:
    accepted = DOCUMENT["paths"][path][method]["responses"]["202"]
    assert "Location" in accepted.get("headers", {}), accepted
