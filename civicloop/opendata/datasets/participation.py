"""Participation by community area and month, from the insights snapshot (small counts suppressed)."""

from __future__ import annotations

from collections.abc import Iterator

from civicloop.opendata.datasets.publication_rules import SUPPRESSION_NOTE
from civicloop.opendata.registry import Column, Dataset, Geometry, Row, dataset_register
from civicloop.opendata.registry import ColumnType as T

PARTICIPATION_COLUMNS = (
    Column("community_area_number", T.INTEGER, "Chicago community area number (1–77)", indexed=True),
    Column("community_area", T.TEXT, "Chicago community area name"),
    Column("month", T.DATE, "The month (YYYY-MM)", indexed=True),
    Column(
        "participants",
        T.INTEGER,
        "Residents of the area who posted an idea or comment, supported an idea, voted in a "
        "conversation or filed a 311 request that month (empty when fewer than k)",
    ),
    Column("population_2020", T.INTEGER, "The area's population in the 2020 census"),
    Column("participants_per_1000", T.NUMBER, "Participants per 1,000 residents (empty when fewer than k)"),
)


def participation_rows() -> Iterator[Row]:
    from civicloop.insights.selectors import participation_by_area_month

    for row in participation_by_area_month():
        yield tuple(row)


dataset_register(
    Dataset(
        identifier="participation-by-area-month",
        title="Participation by Community Area and Month",
        description=(
            "How many residents of each community area took part each month (ideas, comments, "
            "support, conversation votes, 311 requests), against the area's 2020 population. Counts of "
            "people only; small counts are left empty."
        ),
        keywords=("participation", "community areas", "equity", "engagement"),
        theme=("participation",),
        accrual_periodicity="R/P1D",
        columns=PARTICIPATION_COLUMNS,
        rows=participation_rows,
        temporal_column="month",
        geometry=Geometry.AREA,
        suppression_note=SUPPRESSION_NOTE,
    )
)
