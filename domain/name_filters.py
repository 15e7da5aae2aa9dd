"""A connection's include/exclude filter patterns: which databases, schemas and tables a crawl may see.

`options.filters = {"databases"|"schemas"|"tables": {"include": [regex…], "exclude": [regex…]}}`, all optional.
A name is kept when it fully matches (case-sensitive, as written on the platform) one include pattern, or include is
empty, and matches no exclude pattern. Patterns are RE2 syntax (google-re2): matching takes time linear in the
name whatever the pattern, so a pattern such as `(a+)+$` cannot stall a crawl; backreferences and lookarounds
are refused as invalid. Databases are matched on the database name,
schemas on the schema name, tables and views on the table name.

Filtering is applied to both sides (the remote listing and the stored catalog rows) before the pure diffs, so
an object outside the filters is out of scope: never created, and never marked deleted remotely or disabled
when it is already in the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import re2

from domain.errors import Invalid
from domain.snapshot import RemoteHierarchy, SchemaSnapshot
from domain.stored_state import StoredContainer

LEVELS = ("databases", "schemas", "tables")
LISTS = ("include", "exclude")
MAX_PATTERNS = 100
MAX_PATTERN_LENGTH = 1000
#: Memory RE2 may use for one compiled pattern; a larger program is refused as too complex.
MAX_PATTERN_MEMORY = 1 << 20

T = TypeVar("T")


class InvalidNameFilter(Invalid):
    """A connection's `filters` option that is malformed or holds a pattern that does not compile."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PATTERN_MEMORY
    return options


#: RE2's \\w and \\d are ASCII; names are matched as Python's `re` would, with Unicode word characters and digits.
_UNICODE_CLASSES = {"w": (r"[\p{L}\p{N}_]", r"\p{L}\p{N}_"), "W": (r"[^\p{L}\p{N}_]", None),
                    "d": (r"\p{Nd}", r"\p{Nd}"), "D": (r"\P{Nd}", None)}


def _unicode_classes(pattern: str) -> str:
    """`pattern` with \\w, \\W, \\d, \\D spelled as Unicode classes (inside a set only \\w and \\d are)."""
    out: list[str] = []
    in_set = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            outside, inside = _UNICODE_CLASSES.get(escaped, (None, None))
            replacement = inside if in_set else outside
            out.append(replacement if replacement else pattern[index:index + 2])
            index += 2
            continue
        if char == "[" and not in_set:
            in_set = True
            out.append(char)
            index += 1
            for prefix in ("^", "]"):  # a leading ] is a literal member of the set
                if index < len(pattern) and pattern[index] == prefix:
                    out.append(prefix)
                    index += 1
            continue
        if char == "]" and in_set:
            in_set = False
        out.append(char)
        index += 1
    return "".join(out)


def compile_pattern(pattern: Any, where: str) -> re2._Regexp:
    """Compile one pattern; the error names the pattern and where it sits (`filters.tables.exclude`)."""
    if not isinstance(pattern, str):
        raise InvalidNameFilter(f"{where} patterns must be strings, got {pattern!r}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidNameFilter(f"{where} pattern {pattern[:50]!r}… is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(_unicode_classes(pattern), _options())
    except re2.error as error:
        raise InvalidNameFilter(f"invalid regular expression {pattern!r} in {where}: {_reason(error)}") from None


def _reason(error: re2.error) -> str:
    detail = error.args[0] if error.args else ""
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    if "pattern too large" in text or "repetition size" in text or "nesting depth" in text:
        return "too complex"
    return text


@dataclass(frozen=True, slots=True)
class NameFilter:
    include: tuple[re2._Regexp, ...] = ()
    exclude: tuple[re2._Regexp, ...] = ()
    #: The include and the exclude patterns as the user wrote them, for messages.
    written: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def keeps(self, name: str) -> bool:
        return self.dropped_by(name) is None

    def dropped_by(self, name: str) -> str | None:
        """Why the filter drops `name` (`include` when no include pattern matches it, or the exclude pattern
        that matches it), None when it keeps it."""
        if self.include and not any(p.fullmatch(name) for p in self.include):
            return "matches no include pattern (" + ", ".join(repr(p) for p in self._written("include")) + ")"
        for index, pattern in enumerate(self.exclude):
            if pattern.fullmatch(name):
                return f"matches the exclude pattern {self._written('exclude')[index]!r}"
        return None

    def _written(self, name: str) -> tuple[str, ...]:
        if self.written is not None:
            return self.written[LISTS.index(name)]
        return tuple(p.pattern for p in (self.include if name == "include" else self.exclude))


@dataclass(frozen=True, slots=True)
class ConnectionFilters:
    databases: NameFilter = NameFilter()
    schemas: NameFilter = NameFilter()
    tables: NameFilter = NameFilter()

    @property
    def is_empty(self) -> bool:
        return self == ConnectionFilters()

    def keeps_schema(self, database: str, schema: str) -> bool:
        return self.databases.keeps(database) and self.schemas.keeps(schema)

    def hierarchy(self, remote: RemoteHierarchy) -> RemoteHierarchy:
        """The listing without filtered-out databases (listed or failed) and schemas."""
        if self.is_empty:
            return remote
        return replace(
            remote,
            databases={db: tuple(s for s in schemas if self.schemas.keeps(s))
                       for db, schemas in remote.databases.items() if self.databases.keeps(db)},
            failed_databases={db: e for db, e in remote.failed_databases.items() if self.databases.keeps(db)},
        )

    def containers(self, stored: Mapping[tuple[str, ...], StoredContainer]) -> dict[tuple[str, ...], StoredContainer]:
        """Stored databases and schemas in scope; paths are (connection key, database[, schema])."""
        return {
            path: c for path, c in stored.items()
            if self.databases.keeps(path[1]) and (len(path) < 3 or self.schemas.keeps(path[2]))
        }

    def snapshot(self, snapshot: SchemaSnapshot) -> SchemaSnapshot:
        if self.tables == NameFilter():
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if self.tables.keeps(t.name)))

    def stored_tables(self, stored: Mapping[str, T]) -> dict[str, T]:
        """Stored tables (by name) in scope."""
        if self.tables == NameFilter():
            return dict(stored)
        return {name: t for name, t in stored.items() if self.tables.keeps(name)}


def normalize_filters(value: Any) -> dict[str, dict[str, list[str]]]:
    """Check a `filters` option and return its stored form: levels with patterns only, both lists present.

    Raises InvalidNameFilter naming the offending key or pattern.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidNameFilter(f"filters must be an object with keys {', '.join(LEVELS)}")
    unknown = sorted(str(k) for k in value if k not in LEVELS)
    if unknown:
        raise InvalidNameFilter(f"unknown filters key {unknown[0]!r} (expected {', '.join(LEVELS)})")
    normalized: dict[str, dict[str, list[str]]] = {}
    for level in LEVELS:
        lists = value.get(level)
        if lists is None:
            continue
        if not isinstance(lists, Mapping):
            raise InvalidNameFilter(f"filters.{level} must be an object with keys include, exclude")
        unknown = sorted(str(k) for k in lists if k not in LISTS)
        if unknown:
            raise InvalidNameFilter(f"unknown filters.{level} key {unknown[0]!r} (expected include, exclude)")
        entry: dict[str, list[str]] = {}
        for name in LISTS:
            patterns = lists.get(name)
            if patterns is None:
                patterns = []
            where = f"filters.{level}.{name}"
            if not isinstance(patterns, list | tuple):
                raise InvalidNameFilter(f"{where} must be a list of regular expressions")
            if len(patterns) > MAX_PATTERNS:
                raise InvalidNameFilter(f"{where} holds more than {MAX_PATTERNS} patterns")
            for pattern in patterns:
                compile_pattern(pattern, where)
            entry[name] = list(patterns)
        if entry["include"] or entry["exclude"]:
            normalized[level] = entry
    return normalized


def parse_filters(value: Any) -> ConnectionFilters:
    """The matcher for a stored (or submitted) `filters` option; raises InvalidNameFilter."""
    normalized = normalize_filters(value)
    return ConnectionFilters(**{level: _name_filter(level, lists) for level, lists in normalized.items()})


def _name_filter(level: str, lists: dict[str, list[str]]) -> NameFilter:
    include, exclude = (tuple(compile_pattern(p, f"filters.{level}.{name}") for p in lists[name]) for name in LISTS)
    return NameFilter(include, exclude, written=(tuple(lists["include"]), tuple(lists["exclude"])))
