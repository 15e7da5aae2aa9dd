"""The database errors the adapters map to an answer, named by what they mean for the caller.

Adapters catch these instead of importing the database libraries themselves.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import OperationalError as CatalogUnavailable

__all__ = ["CatalogUnavailable", "DBAPIError", "DataError", "IntegrityError"]
