"""The PostgreSQL connector's catalog queries.

All of them read pg_catalog, never information_schema (which silently hides objects the user has no
privilege on), and take every identifier as a bound parameter. pg_catalog lists every database, schema and
relation whatever the reader's privileges, so these listings are complete: an object missing from them is dropped.
A relation's oid is its identity: a drop and re-create under the same name changes it.
"""

from __future__ import annotations

from typing import Final, LiteralString

#: Schemas owned by PostgreSQL itself; temporary schemas (pg_temp_N, pg_toast_temp_N) are matched by pattern.
SYSTEM_SCHEMAS: Final = ("pg_catalog", "information_schema", "pg_toast")

_USER_SCHEMA: Final = """
    n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname !~ '^pg_(toast_)?temp_'
"""

#: Every database but the templates, and whether it accepts connections: one that does not (ALLOW_CONNECTIONS
#: false, as while it is being restored or retired) is reported, not taken as dropped.
DATABASES: LiteralString = """
    SELECT datname::text, datallowconn FROM pg_catalog.pg_database
    WHERE NOT datistemplate
    ORDER BY datname
"""

USER_SCHEMAS: LiteralString = """
    SELECT n.nspname::text FROM pg_catalog.pg_namespace n
    WHERE """ + _USER_SCHEMA + """
    ORDER BY n.nspname
"""

#: The schema's oid and whether the current user may look into it (NULL row → no such schema).
SCHEMA_ACCESS: LiteralString = """
    SELECT n.oid, has_schema_privilege(n.oid, 'USAGE')
    FROM pg_catalog.pg_namespace n
    WHERE n.nspname = %(schema)s
"""

#: Can pg_catalog be read at all, and how many user schemas may be looked into.
METADATA_PRIVILEGES: LiteralString = """
    SELECT (SELECT count(*) FROM (SELECT 1 FROM pg_catalog.pg_class LIMIT 1) AS one_class)
         + (SELECT count(*) FROM (SELECT 1 FROM pg_catalog.pg_attribute LIMIT 1) AS one_attribute) AS catalog_rows,
           count(*) FILTER (WHERE has_schema_privilege(n.oid, 'USAGE')) AS usable_schemas,
           count(*) AS user_schemas
    FROM pg_catalog.pg_namespace n
    WHERE """ + _USER_SCHEMA

# A table's change token: a hash of what the catalog keeps of its columns (position, name, type, typmod,
# nullability, comment), computed by the server, so a re-sync transfers one short text per table instead of its
# columns. One 64-bit hash per field's array (in attnum order), each seeded apart and xor-ed: no text is built
# per column, which made the token a third of a full read's server time. Types are taken by oid (a type renamed
# in place keeps its oid: the periodic full read notices that). PostgreSQL's hash functions may differ between
# major versions: after an upgrade every token moves once and the next re-sync reads every column.
_TOKEN_FIELDS: Final = ("s.attname", "s.attnum", "s.atttypid", "s.atttypmod", "s.nullable", "coalesce(s.comment, '')")
_TOKEN: LiteralString = "coalesce((" + " # ".join(
    f"hash_array_extended(array_agg({field}), {seed})" for seed, field in enumerate(_TOKEN_FIELDS)
) + ")::text, 'no columns')"

# The columns of relation c, in attnum order (served by pg_attribute's (attrelid, attnum) index, so the
# aggregates over it need no sort of their own).
_COLUMNS_OF_RELATION: LiteralString = """
        SELECT at.attname::text AS attname,
               at.attnum::int AS attnum,
               at.atttypid,
               at.atttypmod,
               pg_catalog.format_type(at.atttypid, at.atttypmod) AS data_type,
               NOT at.attnotnull AS nullable,
               cd.description AS comment
        FROM pg_catalog.pg_attribute at
        LEFT JOIN pg_catalog.pg_description cd
               ON cd.objoid = at.attrelid AND cd.classoid = 'pg_catalog.pg_class'::regclass
              AND cd.objsubid = at.attnum
        WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped
        ORDER BY at.attnum
"""

_RELATIONS_OF_SCHEMA: LiteralString = """
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_description d
           ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
"""
_IN_SCHEMA: LiteralString = """
    WHERE c.relnamespace = %(namespace)s
      AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
      AND NOT c.relispartition
"""

# One row per table or view with its columns aggregated into parallel arrays: ~10x fewer rows to decode
# than one row per column. Partitions (relispartition) are internal to their partitioned parent and are left out.
_TABLES_WITH_COLUMNS: LiteralString = """
    SELECT c.relname::text,
           c.relkind::text,
           pg_catalog.pg_get_userbyid(c.relowner)::text,
           d.description,
           a.names, a.ordinals, a.types, a.nullables, a.comments,
           c.oid::text,
           a.token
""" + _RELATIONS_OF_SCHEMA + """
    CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(s.attname), '{}') AS names,
               coalesce(array_agg(s.attnum), '{}') AS ordinals,
               coalesce(array_agg(s.data_type), '{}') AS types,
               coalesce(array_agg(s.nullable), '{}') AS nullables,
               coalesce(array_agg(s.comment), '{}') AS comments,
               """ + _TOKEN + """ AS token
        FROM (""" + _COLUMNS_OF_RELATION + """) AS s
    ) AS a
""" + _IN_SCHEMA

# A name-range batch of a large schema: start <= name < stop in code-point order ("C"), NULL leaving an end open.
_IN_RANGE: LiteralString = """
      AND (%(start)s::text IS NULL OR c.relname::text COLLATE "C" >= %(start)s::text)
      AND (%(stop)s::text IS NULL OR c.relname::text COLLATE "C" < %(stop)s::text)
"""

TABLES_IN_SCHEMA: LiteralString = _TABLES_WITH_COLUMNS + _IN_RANGE + " ORDER BY c.relname"

#: The table and view names of the named schemas the user may look into, in one pass over pg_class (which has no
#: index on relnamespace: one query per schema scanned all of it once per schema).
TABLE_NAMES_IN_SCHEMAS: LiteralString = """
    SELECT n.nspname::text, c.relname::text
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s::text[]) AND has_schema_privilege(n.oid, 'USAGE')
      AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition
"""

NAMED_TABLES_IN_SCHEMA: LiteralString = (
    _TABLES_WITH_COLUMNS + " AND c.relname = ANY(%(tables)s::name[]) ORDER BY c.relname"
)

#: Every table and view of the schema with its change token, not its columns.
TABLE_TOKENS_IN_SCHEMA: LiteralString = """
    SELECT c.relname::text,
           c.relkind::text,
           pg_catalog.pg_get_userbyid(c.relowner)::text,
           d.description,
           c.oid::text,
           a.token
""" + _RELATIONS_OF_SCHEMA + """
    CROSS JOIN LATERAL (SELECT """ + _TOKEN + """ AS token FROM (""" + _COLUMNS_OF_RELATION + """) AS s) AS a
""" + _IN_SCHEMA + _IN_RANGE + " ORDER BY c.relname"
