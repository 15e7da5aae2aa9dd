"""Fixtures of the conformance suite: one double per platform (per module), a fresh schema name per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from services.crawl.connector_pool import close_pooled_connectors
from tests.conformance.doubles import DOUBLE_FACTORIES, DoubleUnavailable, SourceDouble


@pytest.fixture(scope="module", params=sorted(DOUBLE_FACTORIES))
def double(request: pytest.FixtureRequest) -> Iterator[SourceDouble]:
    try:
        built = DOUBLE_FACTORIES[request.param]()
    except DoubleUnavailable as error:
        pytest.skip(f"{request.param} double unavailable: {error}")
    yield built
    close_pooled_connectors()  # the crawl services keep connectors; close them while the double still runs
    built.close()


@pytest.fixture
def schema_name() -> str:
    """Unique, and lower case so every platform keeps it as given."""
    return f"objectsync_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(autouse=True)
def fresh_grants(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each scenario starts with the crawler's rights as the double first granted them."""
    yield
    if "double" in request.fixturenames:
        reset = getattr(request.getfixturevalue("double"), "reset_grants", None)
        if reset is not None:
            reset()
