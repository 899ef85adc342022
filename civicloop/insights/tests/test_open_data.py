"""Open data (selectors/open_data.py) on a small city: every community area and month published, with
counts under k left empty."""

from civicloop.insights.selectors import participation_by_area_month
from civicloop.insights.tests.conftest import City


def test_participation_by_area_month_publishes_every_area_and_month(city: City) -> None:
    rows = participation_by_area_month()

    month = city.base.strftime("%Y-%m")
    by_area = {row.community_area_number: row for row in rows if row.month == month}
    assert tuple(by_area[1]) == (1, "North Side", month, 9, 1000, 9.0)
    assert tuple(by_area[2]) == (2, "South Side", month, None, 3000, None)
