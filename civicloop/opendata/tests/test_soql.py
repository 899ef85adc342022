"""The SoQL subset: what parses to which condition, and what is refused with which Socrata code."""

import pytest

from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.soql import (
    MALFORMED,
    NO_SUCH_COLUMN,
    ROW_ID,
    TYPE_MISMATCH,
    And,
    Between,
    Comparison,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    OrderKey,
    QueryInvalid,
    SelectColumn,
    SelectCount,
    order_parse,
    select_parse,
    timestamp_normalise,
    value_for,
    where_parse,
)

T = ColumnType
STATUS = Column("status", T.TEXT, "open or closed", indexed=True)
AREA = Column("community_area_number", T.INTEGER, "area", indexed=True)
LATITUDE = Column("latitude", T.NUMBER, "latitude")
CREATED = Column("created_date", T.TIMESTAMP, "when", indexed=True)
MONTH = Column("month", T.DATE, "month")
DUPLICATE = Column("duplicate", T.BOOLEAN, "duplicate?")
REQUESTS = Dataset(
    identifier="requests",
    title="Requests",
    description="",
    keywords=(),
    theme=(),
    accrual_periodicity="R/P1D",
    columns=(STATUS, AREA, LATITUDE, CREATED, MONTH, DUPLICATE),
    rows=lambda: [],
)


def where(text):
    return where_parse(REQUESTS, text)


def refused(text, code=MALFORMED, parse=where):
    with pytest.raises(QueryInvalid) as caught:
        parse(text)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def test_a_comparison_binds_the_value_coerced_to_the_column_type():
    assert where("status = 'open'") == Comparison(STATUS, "=", "open")
    assert where("community_area_number >= '25'") == Comparison(AREA, ">=", 25)
    assert where("latitude < -87.5") == Comparison(LATITUDE, "<", -87.5)
    assert where("duplicate = true") == Comparison(DUPLICATE, "=", 1)
    assert where("status <> 'open'") == Comparison(STATUS, "!=", "open")


def test_a_value_before_the_column_flips_the_operator():
    assert where("5 < community_area_number") == Comparison(AREA, ">", 5)


def test_keywords_are_case_insensitive_and_and_binds_tighter_than_or():
    assert where("status = 'a' OR status = 'b' and duplicate") == Or(
        (Comparison(STATUS, "=", "a"), And((Comparison(STATUS, "=", "b"), Comparison(DUPLICATE, "=", 1))))
    )


def test_parentheses_not_between_in_like_and_null_tests():
    condition = where(
        "NOT (latitude between 41 and 42) AND community_area_number not in (1, 2) "
        "AND status like 'op%' AND month IS NOT NULL AND created_date is null"
    )
    assert condition == And(
        (
            Not(Between(LATITUDE, 41, 42)),
            InList(AREA, (1, 2), negated=True),
            Like(STATUS, "op%"),
            IsNull(MONTH, negated=True),
            IsNull(CREATED),
        )
    )


def test_quotes_inside_strings_are_doubled():
    assert where("status = 'it''s'") == Comparison(STATUS, "=", "it's")


def test_two_columns_of_one_kind_compare():
    assert where("latitude > community_area_number") == Comparison(LATITUDE, ">", AREA)
    refused("status = community_area_number", TYPE_MISMATCH)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-06",
        "2026-12-06T00:00:00",
        "2026-12-06T00:00:00Z",
        "2026-12-06T00:00:00.000",
        "2026-12-06 00:00",
        "2026-12-05T18:00:00-06:00",
    ],
)
def test_timestamps_are_normalised_to_the_stored_utc_form(text):
    assert where(f"created_date > '{text}'") == Comparison(CREATED, ">", "2026-12-06T00:00:00Z")


def test_timestamps_that_are_not_times_or_name_a_fraction_of_a_second_are_refused():
    assert timestamp_normalise("2026-13-01") is None
    assert timestamp_normalise("2026-12-06T00:00:00.5") is None
    assert timestamp_normalise("yesterday") is None
    refused("created_date > 'yesterday'", TYPE_MISMATCH)


@pytest.mark.parametrize(
    "text",
    [
        "latitude > 'abc'",
        "community_area_number = true",
        "status = 5",
        "duplicate = 'maybe'",
        "month = '06/12/2026'",
        "community_area_number like '1%'",
        "latitude = 'nan'",
    ],
)
def test_values_of_the_wrong_type_are_a_type_mismatch(text):
    message = refused(text, TYPE_MISMATCH)
    assert "Type mismatch" in message


def test_an_unknown_column_is_named():
    message = refused("nope = 1", NO_SUCH_COLUMN)
    assert "nope" in message


@pytest.mark.parametrize(
    "text",
    [
        "1=1; DROP TABLE rows",
        "status = 'open' --",
        "status = 'open' /* x */",
        "status = 'open'; DELETE FROM rows",
        "status = 'open",
        "status = 'a' or 1=1",
        'status = "open"',
        "status",
        "status = ",
        "(status = 'a'",
        "upper(status) = 'A'",
        "status = null",
        "community_area_number in ()",
        "",
        "status = 'a' extra",
    ],
)
def test_malformed_and_injected_text_is_refused(text):
    refused(text)


def test_depth_and_length_are_bounded():
    refused("(" * 100 + "status = 'a'" + ")" * 100)
    refused("NOT " * 100 + "duplicate")
    refused(" OR ".join(["status = 'a'"] * 300))
    refused("status = '" + "x" * 9000 + "'")


def test_select_columns_aliases_star_and_count():
    assert select_parse(REQUESTS, "status, latitude AS lat") == (
        SelectColumn(STATUS, "status"),
        SelectColumn(LATITUDE, "lat"),
    )
    assert select_parse(REQUESTS, "count(*)") == (SelectCount("count"),)
    assert select_parse(REQUESTS, "COUNT(*) as n") == (SelectCount("n"),)
    assert len(select_parse(REQUESTS, "*")) == len(REQUESTS.columns)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("status, count(*)", MALFORMED),
        ("sum(latitude)", MALFORMED),
        ("status, status", MALFORMED),
        ("nope", NO_SUCH_COLUMN),
        ("status;", MALFORMED),
    ],
)
def test_select_refuses_what_it_cannot_answer(text, code):
    refused(text, code, parse=lambda t: select_parse(REQUESTS, t))


def test_order_keys_with_directions_and_the_row_id():
    assert order_parse(REQUESTS, "created_date DESC, status, :id asc") == (
        OrderKey(CREATED, descending=True),
        OrderKey(STATUS),
        OrderKey(ROW_ID),
    )
    refused("status sideways", parse=lambda t: order_parse(REQUESTS, t))
    refused("nope", NO_SUCH_COLUMN, parse=lambda t: order_parse(REQUESTS, t))


def test_value_for_accepts_json_values_as_ckan_sends_them():
    assert value_for(AREA, 25) == 25
    assert value_for(AREA, "25") == 25
    assert value_for(LATITUDE, "41.5") == 41.5
    assert value_for(DUPLICATE, False) == 0
    assert value_for(DUPLICATE, "TRUE") == 1
    assert value_for(AREA, 2**70) == float(2**70)
    with pytest.raises(QueryInvalid):
        value_for(AREA, True)
