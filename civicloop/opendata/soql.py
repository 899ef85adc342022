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
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from civicloop.core.errors import DomainError
from civicloop.opendata.registry import Column, ColumnType, Dataset

# Socrata's error codes.
MALFORMED = "query.compiler.malformed"
NO_SUCH_COLUMN = "query.soql.no-such-column"
TYPE_MISMATCH = "query.soql.type-mismatch"

MAX_TEXT = 8000  # characters of one parameter
MAX_DEPTH = 40  # nested parentheses / NOTs
MAX_PREDICATES = 200  # comparisons in one $where (SQLite's expression depth is 1000)
MAX_IN_VALUES = 1000

# The datastore's row number: CKAN calls it "_id", Socrata ":id".
ROW_ID = Column("_id", ColumnType.INTEGER, "The row's number in the export (1, 2, …)", indexed=True)

Scalar = str | int | float | None
_STRING_KINDS = frozenset({ColumnType.TEXT, ColumnType.TIMESTAMP, ColumnType.DATE})
_NUMERIC_KINDS = frozenset({ColumnType.INTEGER, ColumnType.NUMBER})


class QueryInvalid(DomainError):
    """The caller's query cannot be run: malformed, an unknown column, or a value of the wrong type."""

    def __init__(self, message: str, *, code: str = MALFORMED, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


# ---------------------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Comparison:
    column: Column
    op: str  # = != < <= > >=
    value: Scalar | Column  # a value, or another column of the same kind


@dataclass(frozen=True)
class Between:
    column: Column
    low: Scalar
    high: Scalar
    negated: bool = False


@dataclass(frozen=True)
class InList:
    column: Column
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    """SoQL's LIKE: case-sensitive; ``%`` any run of characters, ``_`` one character."""

    column: Column
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    column: Column
    negated: bool = False


@dataclass(frozen=True)
class Contains:
    """Full-text search ($q, CKAN q): the text anywhere in any of the columns, ignoring (ASCII) case."""

    columns: tuple[Column, ...]
    text: str


@dataclass(frozen=True)
class And:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Comparison | Between | InList | Like | IsNull | Contains | And | Or | Not


@dataclass(frozen=True)
class SelectColumn:
    column: Column
    alias: str


@dataclass(frozen=True)
class SelectCount:
    alias: str = "count"


SelectItem = SelectColumn | SelectCount


@dataclass(frozen=True)
class OrderKey:
    column: Column
    descending: bool = False


# ------------------------------------------------------------------------------------ values by type

_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?$"
)


def column_resolve(dataset: Dataset, name: str) -> Column:
    """The dataset's column of this name (``_id``/``:id`` for the row number), or a no-such-column error."""
    if name in ("_id", ":id"):
        return ROW_ID
    try:
        return dataset.column(name)
    except KeyError:
        raise QueryInvalid(f"No such column: {name}", code=NO_SUCH_COLUMN, field=name) from None


def timestamp_normalise(text: str) -> str | None:
    """'2026-01-01', '2026-01-01T00:00:00', '…Z', '…+01:00', '….000' → '2026-01-01T00:00:00Z' (UTC).

    None when the text is no such time, or names a fraction of a second (the datastore keeps whole
    seconds, so a comparison with one would silently round)."""
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        return None
    fraction = match["fraction"] or ""
    if fraction.strip("0"):
        return None
    zone = match["zone"] or "Z"
    if zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        moment = datetime.fromisoformat(
            f"{match['date']}T{match['hour'] or '00'}:{match['minute'] or '00'}:{match['second'] or '00'}"
            + ("+00:00" if zone == "Z" else zone)
        )
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _mismatch(column: Column, value: object) -> QueryInvalid:
    return QueryInvalid(
        f"Type mismatch: column {column.name} is {column.type.value}, the value {value!r} is not",
        code=TYPE_MISMATCH,
        field=column.name,
    )


def value_for(column: Column, value: object) -> Scalar:
    """The caller's value as the datastore stores values of this column, or a type-mismatch error.

    Numbers may come as numeric strings; booleans as true/false (or 'true'/'false'); timestamps as ISO
    8601 strings (normalised to UTC, whole seconds, 'Z'); dates as 'YYYY-MM' or 'YYYY-MM-DD'."""
    kind = column.type
    if kind == ColumnType.TEXT:
        if isinstance(value, str):
            return value
    elif kind in _NUMERIC_KINDS:
        if isinstance(value, str) and _NUMBER.match(value):
            text = value.strip()
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        if isinstance(value, int) and not isinstance(value, bool):
            # SQLite integers are 64-bit; a larger number still compares right as a float.
            return value if -(2**63) <= value < 2**63 else float(value)
        if isinstance(value, float) and math.isfinite(value):
            return value
    elif kind == ColumnType.BOOLEAN:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        if isinstance(value, bool):
            return int(value)
    elif kind == ColumnType.TIMESTAMP:
        if isinstance(value, str) and (normalised := timestamp_normalise(value)) is not None:
            return normalised
    elif kind == ColumnType.DATE and isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    raise _mismatch(column, value)


def _kind(column: Column) -> str:
    if column.type in _STRING_KINDS:
        return "string"
    if column.type in _NUMERIC_KINDS:
        return "number"
    return "boolean"


# -------------------------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>'(?:[^']|'')*')
      | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<name>:?[A-Za-z_][A-Za-z0-9_]*)
      | (?P<quoted>`[^`]+`)
      | (?P<op><=|>=|!=|<>|==|=|<|>|\(|\)|,|\*|-)
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"and", "or", "not", "between", "in", "like", "is", "null", "true", "false", "asc", "desc", "as"}
)


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, name, keyword, op, end
    text: str
    value: object
    position: int


def _tokens(text: str, parameter: str) -> list[_Token]:
    if len(text) > MAX_TEXT:
        raise QueryInvalid(f"{parameter} is longer than {MAX_TEXT} characters", field=parameter)
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text.startswith("'", position):
                raise QueryInvalid(
                    f"{parameter}: unterminated string at position {position}", field=parameter
                )
            raise QueryInvalid(
                f"{parameter}: unexpected character {text[position]!r} at position {position}",
                field=parameter,
            )
        kind = match.lastgroup or ""
        word = match.group()
        if kind == "string":
            tokens.append(_Token("string", word, word[1:-1].replace("''", "'"), position))
        elif kind == "number":
            number = float(word) if re.search(r"[.eE]", word) else int(word)
            tokens.append(_Token("number", word, number, position))
        elif kind == "name":
            lowered = word.lower()
            tokens.append(_Token("keyword" if lowered in _KEYWORDS else "name", word, lowered, position))
        elif kind == "quoted":
            tokens.append(_Token("name", word, word[1:-1], position))
        elif kind == "op":
            tokens.append(
                _Token("op", word, "=" if word == "==" else "!=" if word == "<>" else word, position)
            )
        position = match.end()
    tokens.append(_Token("end", "", None, len(text)))
    return tokens


@dataclass(frozen=True)
class _Literal:
    value: str | int | float | bool | None
    text: str


# -------------------------------------------------------------------------------------------- parser

_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _Parser:
    def __init__(self, dataset: Dataset, text: str, parameter: str) -> None:
        self.dataset = dataset
        self.parameter = parameter
        self.tokens = _tokens(text, parameter)
        self.index = 0
        self.depth = 0
        self.predicates = 0

    # -- helpers

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def error(self, message: str) -> QueryInvalid:
        return QueryInvalid(f"{self.parameter}: {message}", field=self.parameter)

    def unexpected(self, expected: str) -> QueryInvalid:
        token = self.token
        found = "the end" if token.kind == "end" else repr(token.text)
        return self.error(f"expected {expected} but found {found} at position {token.position}")

    def advance(self) -> _Token:
        token = self.token
        if token.kind != "end":
            self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.token.kind == "keyword" and self.token.value in words

    def at_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.value in ops

    def expect_keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.unexpected(word.upper())
        self.advance()

    def expect_op(self, op: str) -> None:
        if not self.at_op(op):
            raise self.unexpected(repr(op))
        self.advance()

    def expect_end(self) -> None:
        if self.token.kind != "end":
            raise self.unexpected("the end")

    def column(self) -> Column:
        if self.token.kind != "name":
            raise self.unexpected("a column name")
        return column_resolve(self.dataset, str(self.advance().value))

    def literal(self) -> _Literal:
        token = self.token
        if token.kind in ("string", "number"):
            self.advance()
            return _Literal(token.value, token.text)  # type: ignore[arg-type]
        if token.kind == "keyword" and token.value in ("true", "false"):
            self.advance()
            return _Literal(token.value == "true", token.text)
        if token.kind == "keyword" and token.value == "null":
            raise self.error("compare with null using IS NULL or IS NOT NULL")
        if self.at_op("-") and self.tokens[self.index + 1].kind == "number":
            self.advance()
            number = self.advance()
            return _Literal(-number.value, "-" + number.text)  # type: ignore[operator]
        raise self.unexpected("a value")

    def value(self, column: Column) -> Scalar:
        return value_for(column, self.literal().value)

    # -- $where

    def condition(self) -> Condition:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} deep")
        try:
            parts = [self.conjunction()]
            while self.at_keyword("or"):
                self.advance()
                parts.append(self.conjunction())
            return parts[0] if len(parts) == 1 else Or(tuple(parts))
        finally:
            self.depth -= 1

    def conjunction(self) -> Condition:
        parts = [self.negation()]
        while self.at_keyword("and"):
            self.advance()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negation(self) -> Condition:
        if self.at_keyword("not"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nested more than {MAX_DEPTH} deep")
            try:
                return Not(self.negation())
            finally:
                self.depth -= 1
        return self.predicate()

    def predicate(self) -> Condition:
        if self.at_op("("):
            self.advance()
            inner = self.condition()
            self.expect_op(")")
            return inner
        self.predicates += 1
        if self.predicates > MAX_PREDICATES:
            raise self.error(f"more than {MAX_PREDICATES} comparisons")
        if self.token.kind != "name":
            # A value first: "5 < community_area_number".
            if self.token.kind == "end":
                raise self.unexpected("a condition")
            literal = self.literal()
            if not self.at_op(*_FLIPPED):
                raise self.unexpected("a comparison operator")
            op = str(self.advance().value)
            if self.token.kind != "name":
                raise self.error("a comparison needs a column on one side")
            column = self.column()
            return Comparison(column, _FLIPPED[op], value_for(column, literal.value))
        if self.tokens[self.index + 1].text == "(":
            raise self.error(
                f"the function {self.token.text}() at position {self.token.position} is not supported"
            )
        column = self.column()
        if self.at_op(*_FLIPPED):
            op = str(self.advance().value)
            if self.token.kind == "name":
                other = self.column()
                if _kind(other) != _kind(column):
                    raise QueryInvalid(
                        f"Type mismatch: cannot compare {column.name} ({column.type.value}) "
                        f"with {other.name} ({other.type.value})",
                        code=TYPE_MISMATCH,
                        field=column.name,
                    )
                return Comparison(column, op, other)
            return Comparison(column, op, self.value(column))
        if self.at_keyword("is"):
            self.advance()
            negated = self.at_keyword("not")
            if negated:
                self.advance()
            self.expect_keyword("null")
            return IsNull(column, negated)
        negated = self.at_keyword("not")
        if negated:
            self.advance()
            if not self.at_keyword("between", "in", "like"):
                raise self.unexpected("BETWEEN, IN or LIKE after NOT")
        if self.at_keyword("between"):
            self.advance()
            low = self.value(column)
            self.expect_keyword("and")
            return Between(column, low, self.value(column), negated)
        if self.at_keyword("in"):
            self.advance()
            self.expect_op("(")
            values = [self.value(column)]
            while self.at_op(","):
                self.advance()
                values.append(self.value(column))
                if len(values) > MAX_IN_VALUES:
                    raise self.error(f"more than {MAX_IN_VALUES} values in IN (…)")
            self.expect_op(")")
            return InList(column, tuple(values), negated)
        if self.at_keyword("like"):
            self.advance()
            if column.type not in _STRING_KINDS:
                raise _mismatch(column, "LIKE pattern")
            token = self.token
            if token.kind != "string":
                raise self.unexpected("a quoted pattern")
            self.advance()
            return Like(column, str(token.value), negated)
        if column.type == ColumnType.BOOLEAN:
            return Comparison(column, "=", 1)
        raise self.unexpected("a comparison operator, IS, BETWEEN, IN or LIKE")

    # -- $select and $order

    def alias(self, default: str) -> str:
        if not self.at_keyword("as"):
            return default
        self.advance()
        if self.token.kind != "name" or str(self.token.value).startswith(":"):
            raise self.unexpected("an alias")
        return str(self.advance().value)

    def select(self) -> tuple[SelectItem, ...]:
        items: list[SelectItem] = []
        while True:
            if self.at_op("*"):
                self.advance()
                items.extend(SelectColumn(column, column.name) for column in self.dataset.columns)
            elif self.token.kind == "name" and self.tokens[self.index + 1].text == "(":
                function = str(self.token.value).lower()
                position = self.token.position
                self.advance()
                self.advance()
                if function != "count" or not self.at_op("*"):
                    raise self.error(
                        f"the function at position {position} is not supported (only count(*) is)"
                    )
                self.advance()
                self.expect_op(")")
                items.append(SelectCount(self.alias("count")))
            else:
                column = self.column()
                items.append(SelectColumn(column, self.alias(column.name)))
            if not self.at_op(","):
                break
            self.advance()
        self.expect_end()
        if any(isinstance(item, SelectCount) for item in items) and len(items) > 1:
            raise self.error("count(*) cannot be selected with other columns ($group is not supported)")
        names = [item.alias for item in items]
        if len(set(names)) != len(names):
            raise self.error("two selected columns have the same name; give one an alias with AS")
        return tuple(items)

    def order(self) -> tuple[OrderKey, ...]:
        keys: list[OrderKey] = []
        while True:
            column = self.column()
            descending = False
            if self.at_keyword("asc", "desc"):
                descending = self.advance().value == "desc"
            keys.append(OrderKey(column, descending))
            if not self.at_op(","):
                break
            self.advance()
        self.expect_end()
        return tuple(keys)


def where_parse(dataset: Dataset, text: str, *, parameter: str = "$where") -> Condition:
    """The condition a SoQL ``$where`` states over the dataset's columns, or QueryInvalid."""
    parser = _Parser(dataset, text, parameter)
    if parser.token.kind == "end":
        raise parser.unexpected("a condition")
    condition = parser.condition()
    parser.expect_end()
    return condition


def select_parse(dataset: Dataset, text: str, *, parameter: str = "$select") -> tuple[SelectItem, ...]:
    """The output columns a SoQL ``$select`` names, or QueryInvalid."""
    return _Parser(dataset, text, parameter).select()


def order_parse(dataset: Dataset, text: str, *, parameter: str = "$order") -> tuple[OrderKey, ...]:
    """The sort keys a SoQL ``$order`` (or CKAN ``sort``) names, or QueryInvalid."""
    return _Parser(dataset, text, parameter).order()
