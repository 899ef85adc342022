"""The recursive-descent parser of ``$where``, ``$select`` and ``$order`` over a dataset's columns."""

from __future__ import annotations

from dataclasses import dataclass

from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.soql.conditions import (
    And,
    Between,
    Comparison,
    Condition,
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
from civicloop.opendata.soql.errors import TYPE_MISMATCH, QueryInvalid
from civicloop.opendata.soql.tokens import _Token, _tokens
from civicloop.opendata.soql.values import _STRING_KINDS, _kind, _mismatch, column_resolve, value_for

MAX_DEPTH = 40  # nested parentheses / NOTs
MAX_PREDICATES = 200  # comparisons in one $where (SQLite's expression depth is 1000)
MAX_IN_VALUES = 1000


@dataclass(frozen=True)
class _Literal:
    value: str | int | float | bool | None
    text: str


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
