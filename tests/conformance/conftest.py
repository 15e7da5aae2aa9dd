"""Fixtures of the conformance suite: one double per platform (per module), a fresh schema name per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conformance.doubles import DOUBLE_FACTORIES, DoubleUnavailable, SourceDouble


@pytest.fixture(scope="module", params=sorted(DOUBLE_FACTORIES))
def double(request: pytest.FixtureRequest) -> Iterator[SourceDouble]:
    try:
        built = DOUBLE_FACTORIES[request.param]()
    except DoubleUnavailable as error:
        pytest.skip(f"{request.param} double unavailable: {error}")
    yield built
    built.close()


@pytest.fixture
def schema_name() -> str:
    """Unique, and lower case so every platform keeps it as given."""
    return f"objectsync_test_{uuid.uuid4().hex[:10]}"
