"""The part of Socrata's SoQL the open-data API understands: ``$where``, ``$select`` and ``$order``.

A small recursive-descent parser turns the caller's text into conditions over the dataset's own
columns (looked up in its registry) and literal values already coerced to the column's type, in the
form the datastore stores them (booleans 0/1, timestamps "YYYY-MM-DDTHH:MM:SSZ"). Nothing the caller
wrote ever reaches SQL as text: ``query.py`` quotes registered column names and binds every value.

Supported in ``$where``: ``= != <> < <= > >=`` between a column and a value (or two columns of one
kind), ``AND``/``OR``/``NOT``, parentheses, ``[NOT] BETWEEN a AND b``, ``[NOT] IN (…)``,
``[NOT] LIKE 'pat%'`` (case-sensitive, ``%`` and ``_``), ``IS [NOT] NULL``, a bare boolean column;
string ('it''s'), number and ``true``/``false`` literals. In ``$select``: ``*``, columns,
``column AS alias`` and ``count(*)`` on its own. In ``$order``: ``column [ASC|DESC]``, several.

By responsibility: the error and Socrata's codes (errors), what a query states (conditions), columns
and values by type (values), the tokenizer (tokens) and the parser (parser).
"""

from civicloop.opendata.soql.conditions import (
    ROW_ID,
    And,
    Between,
    Comparison,
    Condition,
    Contains,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    OrderKey,
    Scalar,
    SelectColumn,
    SelectCount,
    SelectItem,
)
from civicloop.opendata.soql.errors import MALFORMED, NO_SUCH_COLUMN, TYPE_MISMATCH, QueryInvalid
from civicloop.opendata.soql.parser import (
    MAX_DEPTH,
    MAX_IN_VALUES,
    MAX_PREDICATES,
    order_parse,
    select_parse,
    where_parse,
)
from civicloop.opendata.soql.tokens import MAX_TEXT
from civicloop.opendata.soql.values import column_resolve, timestamp_normalise, value_for

__all__ = [
    "MALFORMED",
    "MAX_DEPTH",
    "MAX_IN_VALUES",
    "MAX_PREDICATES",
    "MAX_TEXT",
    "NO_SUCH_COLUMN",
    "ROW_ID",
    "TYPE_MISMATCH",
    "And",
    "Between",
    "Comparison",
    "Condition",
    "Contains",
    "InList",
    "IsNull",
    "Like",
    "Not",
    "Or",
    "OrderKey",
    "QueryInvalid",
    "Scalar",
    "SelectColumn",
    "SelectCount",
    "SelectItem",
    "column_resolve",
    "order_parse",
    "select_parse",
    "timestamp_normalise",
    "value_for",
    "where_parse",
]
