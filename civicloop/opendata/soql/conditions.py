"""What a parsed query states: conditions over a dataset's columns, selected columns, sort keys."""

from __future__ import annotations

from dataclasses import dataclass

from civicloop.opendata.registry import Column, ColumnType

# The datastore's row number: CKAN calls it "_id", Socrata ":id".
ROW_ID = Column("_id", ColumnType.INTEGER, "The row's number in the export (1, 2, …)", indexed=True)

Scalar = str | int | float | None


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
