"""Set-based loading for the benchmarks: rows generated inside the database by INSERT … SELECT.

Shared by the Open311 and forums benches, on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

# SQL that differs between the two databases; `%%` is a literal % once Django formats the query.
SQL_DIALECTS = {
    "sqlite": {
        "series": "seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})",
        "moment": "datetime({seconds}, 'unixepoch')",
        "least": "MIN",
        "empty_json": "'{}'",
    },
    "postgresql": {
        "series": "seq(n) AS (SELECT generate_series(1::bigint, {count}::bigint))",
        "moment": "to_timestamp({seconds})",
        "least": "LEAST",
        "empty_json": "'{}'::jsonb",
    },
}


def sql_case(expression: str, values: Sequence[str]) -> str:
    """A CASE picking values[expression % len(values)], as SQL literals."""
    branches = " ".join(
        f"WHEN {index} THEN '{value.replace(chr(39), chr(39) * 2)}'" for index, value in enumerate(values)
    )
    return f"CASE ({expression}) %% {len(values)} {branches} END"


# (column, SQL expression, its parameters), in the order they are written.
Columns = list[tuple[str, str, list[Any]]]


def insert_select(
    model: type[Model], columns: Columns, from_clause: str, from_params: list[Any], with_clause: str = ""
) -> int:
    """INSERT … [WITH …] SELECT `columns` FROM …; every other column gets the model field's default.

    The defaults keep the load working when a field with a default is added to the model.
    """
    given = {column for column, _, _ in columns}
    for field in model._meta.concrete_fields:
        if field.column not in given and not field.primary_key:  # the database numbers rows itself
            default = field.get_db_prep_save(field.get_default(), connection)
            columns = [*columns, (field.column, "%s", [default])]
    names = ", ".join(connection.ops.quote_name(column) for column, _, _ in columns)
    expressions = ", ".join(expression for _, expression, _ in columns)
    params = [param for _, _, column_params in columns for param in column_params]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) {with_clause} SELECT {expressions} {from_clause}",
            [*params, *from_params],
        )
        return int(cursor.rowcount)


def sequences_past_loaded_rows(*models: type[Model]) -> None:
    """On PostgreSQL, move each table's id sequence past the ids a loader wrote itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}))"
            )


def tables_settle() -> None:
    """After a load on PostgreSQL: vacuum and analyse now, as autovacuum would within a minute, for
    steady-state plans (index-only counts need the visibility map) and none of it in timed runs."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
