"""Unknown query parameters are an error (422), never silently ignored: a misspelt filter must not list
everything."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from domain.errors import Invalid


class UnknownQueryParameter(Invalid):
    def __init__(self, names: list[str], known: frozenset[str]):
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown query parameter(s): {', '.join(n[:50] for n in names[:5])}; known: {listed}")


def _known(dependant: Dependant) -> frozenset[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _known(sub)
    return frozenset(names)


def reject_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _known(route.dependant)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise UnknownQueryParameter(unknown, known)
