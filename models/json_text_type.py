"""JSON stored as the text it was written as."""

from typing import Any

from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from domain.json_text import dumps, loads


class JsonText(TypeDecorator[Any]):
    """A JSON document in a text column: PostgreSQL stores it without parsing it (the service wrote it, with
    `dumps`), and it is parsed once, when read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dumps(value).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else loads(value)
