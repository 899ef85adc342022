"""The open-data catalogue's datasets, registered in code (issue 14).

A dataset is one table: its metadata (what DCAT-US, CKAN and the data dictionary publish), its
columns, and a function that yields its rows, already in the published form (text, numbers, booleans,
ISO 8601 times in UTC, None for empty), in column order. Apps do not register here: the dataset
definitions in the ``datasets`` package read each app through its selectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import CharField, FloatField, Func

from civicloop.core.errors import NotFound

if TYPE_CHECKING:
    from civicloop.opendata.tables import TableQuery

Value = str | int | float | bool | None
Row = Sequence[Value]


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    # "2026-12-06T19:45:00Z": sorts and compares as text in the datastore.
    TIMESTAMP = "timestamp"
    # "2026-12" or "2026-12-06"
    DATE = "date"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    # Filtered and sorted on often: the datastore keeps an index on it.
    indexed: bool = False


class Geometry(StrEnum):
    # Rows carry "latitude" and "longitude" columns (either may be empty).
    POINT = "point"
    # Rows carry a "community_area_number" column: the feature is that area's boundary.
    AREA = "area"


@dataclass(frozen=True)
class Dataset:
    identifier: str
    title: str
    description: str
    keywords: tuple[str, ...]
    # DCAT-US theme and CKAN group: "participation", "service-requests", "communications" …
    theme: tuple[str, ...]
    # ISO 8601 repeating duration: "R/P1D" daily, "R/P1W" weekly, "R/PT1H" hourly.
    accrual_periodicity: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[Row]]
    # The column whose earliest and latest values are the dataset's temporal coverage.
    temporal_column: str | None = None
    geometry: Geometry | None = None
    spatial: str = "Chicago, IL"
    # Why some cells are empty (k-anonymity), printed in the data dictionary; "{k}" is OPENDATA_MIN_CELL.
    suppression_note: str = ""
    # Conversations appear only once there is open data to publish.
    available: Callable[[], bool] = field(default=lambda: True)
    # Large datasets read as one query (see the tables package): the database writes the CSV, in parts.
    table: TableQuery | None = None

    @property
    def suppression_text(self) -> str:
        """The suppression note with the city's k as it is now (a setting, read when shown)."""
        return self.suppression_note.format(k=settings.OPENDATA_MIN_CELL)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


_REGISTRY: dict[str, Dataset] = {}


def dataset_register(dataset: Dataset) -> Dataset:
    if dataset.identifier in _REGISTRY:
        raise ValueError(f"dataset {dataset.identifier!r} is registered twice")
    names = dataset.column_names
    if len(set(names)) != len(names):
        raise ValueError(f"dataset {dataset.identifier!r} repeats a column name")
    _REGISTRY[dataset.identifier] = dataset
    return dataset


def datasets_registered() -> list[Dataset]:
    """Every registered dataset, whether or not it has data yet, in registration order."""
    _load_definitions()
    return list(_REGISTRY.values())


def datasets_available() -> list[Dataset]:
    """The datasets the catalogue lists: those with something to publish."""
    return [dataset for dataset in datasets_registered() if dataset.available()]


def dataset_get(identifier: str) -> Dataset:
    """The available dataset with this identifier, or NotFound."""
    _load_definitions()
    dataset = _REGISTRY.get(identifier)
    if dataset is None or not dataset.available():
        raise NotFound(f"There is no dataset {identifier!r}.")
    return dataset


def _load_definitions() -> None:
    from civicloop.opendata import datasets  # noqa: F401  (registers on import)


class IsoUtc(Func):
    """A time column as published ("2026-12-06T19:45:00Z"), formatted by the database: a million
    rows cost no Python datetime objects."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django keeps UTC times as "YYYY-MM-DD HH:MM:SS[.ffffff]" text: cut and glued, a third of
        # strftime's cost.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"substr({sql}, 1, 10) || 'T' || substr({sql}, 12, 8) || 'Z'", [*params, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="""to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""",
        )


class Coordinate(Func):
    """A latitude or longitude as published: six decimals (about 10 cm), a float on both databases."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="ROUND(%(expressions)s, 6)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Rounded in floating point: through numeric it cost a second per column per million rows.
        return self.as_sql(
            compiler,
            connection,
            template="ROUND(%(expressions)s * 1000000.0::double precision) / 1000000.0::double precision",
        )


def iso_utc(moment: datetime | None) -> str | None:
    """A time as published: UTC, seconds, "Z"."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
