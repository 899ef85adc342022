"""The query engine over a synthetic datastore: results equal a Python filter of the same rows (SQL NULL
semantics), indexes are used, pages are stable, nothing from the caller becomes SQL."""

import random
import re
import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.core.errors import NotFound
from civicloop.opendata.datastore import datastore_write
from civicloop.opendata.query import DatastoreQuery, condition_sql, datastore_query, full_text
from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.soql import ROW_ID, SelectColumn, order_parse, select_parse, where_parse

T = ColumnType
COLUMNS = (
    Column("name", T.TEXT, "a text", indexed=True),
    Column("kind", T.TEXT, "another text"),
    Column("n", T.INTEGER, "an integer", indexed=True),
    Column("x", T.NUMBER, "a number"),
    Column("at", T.TIMESTAMP, "a time", indexed=True),
    Column("day", T.DATE, "a date"),
    Column("flag", T.BOOLEAN, "a boolean"),
)
NAMES = [column.name for column in COLUMNS]
TEXTS = ["a", "ab", "Ab", "b%", "b_c", "it's", "é", "abc", "", "zz"]
TIMES = ["2026-01-01T00:00:00Z", "2026-01-01T12:30:00Z", "2026-06-15T08:00:00Z", "2025-12-31T23:59:59Z"]
DAYS = ["2026-01", "2026-01-02", "2026-06-15", "2025-12-31"]


def synthetic_rows(count=80, seed=14):
    chance = random.Random(seed)

    def maybe(value):
        return None if chance.random() < 0.2 else value

    return [
        (
            maybe(chance.choice(TEXTS)),
            maybe(chance.choice(TEXTS)),
            maybe(chance.randint(-3, 5)),
            maybe(chance.choice([-1.5, 0.0, 0.25, 2.0, 3.75])),
            maybe(chance.choice(TIMES)),
            maybe(chance.choice(DAYS)),
            maybe(chance.choice([True, False])),
        )
        for _ in range(count)
    ]


SYNTHETIC = Dataset(
    identifier="synthetic",
    title="Synthetic",
    description="",
    keywords=(),
    theme=(),
    accrual_periodicity="R/P1D",
    columns=COLUMNS,
    rows=synthetic_rows,
)
ROWS = synthetic_rows()
# As the datastore holds them: _id from 1, booleans 0/1.
STORED: list[dict[str, Any]] = [
    {
        "_id": number,
        **{name: int(v) if isinstance(v, bool) else v for name, v in zip(NAMES, row, strict=True)},
    }
    for number, row in enumerate(ROWS, start=1)
]


@pytest.fixture(scope="module")
def datastore(tmp_path_factory):
    path = tmp_path_factory.mktemp("query") / "datastore.sqlite3"
    datastore_write(path, COLUMNS, ROWS)
    return path


def ids(path, condition, **query):
    result = datastore_query(
        path,
        DatastoreQuery(condition=condition, select=(SelectColumn(ROW_ID, "_id"),), limit=10_000, **query),
        dataset=SYNTHETIC,
    )
    found = [row[0] for row in result.rows]
    assert result.total == len(found)
    return found


# ------------------------------------------------------------------------ a reference in plain Python
# A condition is generated as a small tree, written out as SoQL for the engine and evaluated here with
# SQL's three-valued logic (None: unknown; a row is returned only when its condition is True).


def _like(pattern, value):
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def evaluate(tree, row):
    kind = tree[0]
    if kind == "and":
        values = [evaluate(part, row) for part in tree[1]]
        return False if False in values else None if None in values else True
    if kind == "or":
        values = [evaluate(part, row) for part in tree[1]]
        return True if True in values else None if None in values else False
    if kind == "not":
        value = evaluate(tree[1], row)
        return None if value is None else not value
    column = tree[1]
    value = row[column]
    if kind == "null":
        return (value is not None) if tree[2] else (value is None)
    if value is None:
        return None
    if kind == "cmp":
        other = tree[3]
        return {
            "=": value == other,
            "!=": value != other,
            "<": value < other,
            "<=": value <= other,
            ">": value > other,
            ">=": value >= other,
        }[tree[2]]
    if kind == "between":
        inside = tree[2] <= value <= tree[3]
        return not inside if tree[4] else inside
    if kind == "in":
        inside = value in tree[2]
        return not inside if tree[3] else inside
    if kind == "like":
        matched = _like(tree[2], value)
        return not matched if tree[3] else matched
    raise AssertionError(tree)


def soql_value(column, value, form):
    """The value as a SoQL literal, in one of several spellings the parser must accept alike."""
    kind = next(c.type for c in COLUMNS if c.name == column)
    if kind == T.BOOLEAN:
        return "true" if value else "false"
    if kind in (T.INTEGER, T.NUMBER):
        return f"'{value}'" if form == 1 else repr(value)
    if kind == T.TIMESTAMP:
        text = [value, value.rstrip("Z"), value.replace("T", " ").rstrip("Z")][form % 3]
        if value.endswith("T00:00:00Z") and form == 2:
            text = value[:10]
        return "'" + text + "'"
    return "'" + value.replace("'", "''") + "'"


def soql(tree):
    kind = tree[0]
    if kind in ("and", "or"):
        return "(" + f" {kind.upper()} ".join(soql(part) for part in tree[1]) + ")"
    if kind == "not":
        return f"NOT ({soql(tree[1])})"
    column = tree[1]
    form = tree[-1] if isinstance(tree[-1], int) and not isinstance(tree[-1], bool) and kind != "cmp" else 0
    if kind == "null":
        return f"{column} IS {'NOT ' if tree[2] else ''}NULL"
    if kind == "cmp":
        return f"{column} {tree[2]} {soql_value(column, tree[3], tree[4])}"
    if kind == "between":
        low, high = (soql_value(column, v, form) for v in tree[2:4])
        return f"{column} {'NOT ' if tree[4] else ''}BETWEEN {low} AND {high}"
    if kind == "in":
        values = ", ".join(soql_value(column, v, 0) for v in tree[2])
        return f"{column} {'NOT ' if tree[3] else ''}IN ({values})"
    if kind == "like":
        return f"{column} {'NOT ' if tree[3] else ''}LIKE '{tree[2].replace(chr(39), chr(39) * 2)}'"
    raise AssertionError(tree)


VALUES = {
    "name": st.sampled_from(TEXTS),
    "kind": st.sampled_from(TEXTS),
    "n": st.integers(-4, 6),
    "x": st.sampled_from([-1.5, 0.0, 0.25, 1, 2.0, 3.75, 4.5]),
    "at": st.sampled_from([*TIMES, "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"]),
    "day": st.sampled_from(DAYS),
    "flag": st.booleans(),
}
ORDERED = ["name", "kind", "n", "x", "at", "day", "flag"]
LIKEABLE = ["name", "kind", "at", "day"]


@st.composite
def predicates(draw):
    kind = draw(st.sampled_from(["cmp", "cmp", "between", "in", "like", "null"]))
    if kind == "like":
        column = draw(st.sampled_from(LIKEABLE))
        pattern = draw(st.text(alphabet="ab%_'é2-", max_size=5))
        return ("like", column, pattern, draw(st.booleans()))
    column = draw(st.sampled_from(ORDERED))
    if kind == "null":
        return ("null", column, draw(st.booleans()))
    value = VALUES[column]
    if kind == "cmp":
        return (
            "cmp",
            column,
            draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="])),
            draw(value),
            draw(st.integers(0, 2)),
        )
    if kind == "between":
        low, high = sorted([draw(value), draw(value)])
        return ("between", column, low, high, draw(st.booleans()), draw(st.integers(0, 2)))
    values = draw(st.lists(value, min_size=1, max_size=4))
    return ("in", column, values, draw(st.booleans()))


conditions = st.recursive(
    predicates(),
    lambda inner: st.one_of(
        st.tuples(st.just("and"), st.lists(inner, min_size=2, max_size=3)),
        st.tuples(st.just("or"), st.lists(inner, min_size=2, max_size=3)),
        st.tuples(st.just("not"), inner),
    ),
    max_leaves=8,
)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=conditions)
def test_where_returns_exactly_the_rows_a_python_filter_keeps(datastore, tree):
    text = soql(tree)
    expected = [row["_id"] for row in STORED if evaluate(tree, row) is True]
    assert ids(datastore, where_parse(SYNTHETIC, text)) == expected, text


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet="abAB%_'é\\", min_size=1, max_size=3))
def test_full_text_matches_text_columns_ignoring_ascii_case(datastore, text):
    expected = [
        row["_id"]
        for row in STORED
        if any(row[name] is not None and text.lower() in row[name].lower() for name in ("name", "kind"))
    ]
    assert ids(datastore, full_text(SYNTHETIC, text)) == expected


def test_no_condition_returns_every_row_in_export_order(datastore):
    assert ids(datastore, None) == list(range(1, len(ROWS) + 1))


def test_pages_are_stable_and_sorted_with_the_row_number_breaking_ties(datastore):
    order = order_parse(SYNTHETIC, "kind desc")
    every = ids(datastore, None, order=order)
    pages = [ids_page for offset in range(0, len(ROWS), 7) for ids_page in _page(datastore, order, offset, 7)]
    assert pages == every
    kinds = [STORED[i - 1]["kind"] for i in every]
    present = [k for k in kinds if k is not None]
    assert present == sorted(present, reverse=True)


def _page(path, order, offset, limit):
    result = datastore_query(
        path,
        DatastoreQuery(select=(SelectColumn(ROW_ID, "_id"),), order=order, limit=limit, offset=offset),
        dataset=SYNTHETIC,
    )
    return [row[0] for row in result.rows]


def test_rows_come_back_typed_with_booleans_and_the_total_counts_all_matches(datastore):
    result = datastore_query(
        datastore,
        DatastoreQuery(condition=where_parse(SYNTHETIC, "flag IS NOT NULL"), limit=3),
        dataset=SYNTHETIC,
    )
    rows = list(result.rows)
    assert [name for name, _ in result.fields] == ["_id", *NAMES]
    assert len(rows) == 3
    assert all(isinstance(row[-1], bool) for row in rows)
    assert result.total == sum(1 for row in STORED if row["flag"] is not None)


def test_count_and_aliases(datastore):
    result = datastore_query(
        datastore,
        DatastoreQuery(condition=where_parse(SYNTHETIC, "n > 2"), select=select_parse(SYNTHETIC, "count(*)")),
        dataset=SYNTHETIC,
    )
    assert result.fields == [("count", T.INTEGER)]
    assert list(result.rows) == [(sum(1 for row in STORED if row["n"] is not None and row["n"] > 2),)]
    aliased = datastore_query(
        datastore,
        DatastoreQuery(select=select_parse(SYNTHETIC, "name AS label, n"), limit=1),
        dataset=SYNTHETIC,
    )
    assert [name for name, _ in aliased.fields] == ["label", "n"]
    assert list(aliased.rows) == [(STORED[0]["name"], STORED[0]["n"])]


def test_values_are_bound_never_written_into_the_sql():
    sql, params = condition_sql(where_parse(SYNTHETIC, "name = 'x'' OR 1=1 --' AND n IN (1, 2)"))
    assert sql == '("name" = ? AND "n" IN (?, ?))'
    assert params == ["x' OR 1=1 --", 1, 2]


def test_equality_and_range_filters_use_the_indexes(tmp_path):
    path = tmp_path / "big.sqlite3"
    datastore_write(path, COLUMNS, synthetic_rows(count=2000, seed=1))
    connection = sqlite3.connect(path)
    for text in ["name = 'ab'", "n IN (1, 2)", "at >= '2026-01-01' AND at < '2026-02-01'", "name LIKE 'ab%'"]:
        sql, params = condition_sql(where_parse(SYNTHETIC, text))
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(f"EXPLAIN QUERY PLAN SELECT count(*) FROM rows WHERE {sql}", params)
        )
        assert "USING" in plan and "INDEX" in plan, (text, plan)
    connection.close()


def test_a_missing_datastore_file_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        datastore_query(tmp_path / "none.sqlite3", DatastoreQuery(), dataset=SYNTHETIC)
