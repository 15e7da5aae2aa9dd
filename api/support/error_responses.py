"""The error responses routes document in OpenAPI: every one answers these with the common error body."""

from __future__ import annotations

from typing import Any

from api.schemas.common import ErrorBody

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422, 503)
}
