"""The aggregates on a small city (services.py): people counted once, suppression under k,
representativeness, response and reply times, the snapshot stored once."""

import pytest

from civicloop.insights.models import InsightsSnapshot
from civicloop.insights.services import insights_compute, insights_refresh
from civicloop.insights.tests.conftest import City


def area_row(data: dict, number: int) -> dict:
    return next(row for row in data["participation"]["areas"] if row["number"] == number)


def test_participants_are_counted_once_each_in_their_area(city: City) -> None:
    data = insights_compute()

    north = area_row(data, 1)
    # Three idea authors (one also commented and filed a request) and six requests without a contact.
    assert north["participants"] == 9
    assert north["per_1000"] == 9.0
    assert data["participation"]["city"]["participants"] == 11


def test_counts_under_k_and_everything_derived_from_them_are_suppressed(city: City) -> None:
    data = insights_compute()

    south = area_row(data, 2)
    # Two supporters; the member of staff who also supported is not a participant.
    assert south == {
        "number": 2,
        "participants": None,
        "per_1000": None,
        "share_participants": None,
        "share_population": 0.75,
        "representativeness": None,
    }


def test_representativeness_is_share_of_participants_over_share_of_population(city: City) -> None:
    north = area_row(insights_compute(), 1)

    assert north["share_participants"] == round(9 / 11, 4)
    assert north["share_population"] == 0.25
    assert north["representativeness"] == round(round(9 / 11, 4) / 0.25, 2)


def test_response_times_are_nearest_rank_median_and_p90_with_share_within_target(city: City) -> None:
    responses = insights_compute()["responses"]

    # Closed in 1, 2, 3 and 30 hours against a 24-hour target; the duplicate is left out.
    assert responses["city"] == {
        "n": 4,
        "median_days": round(2 / 24, 2),
        "p90_days": 1.25,
        "within_target": 0.75,
    }
    assert responses["by_department"] == [
        {"dept": "CDOT", "n": 4, "median_days": 0.08, "p90_days": 1.25, "within_target": 0.75}
    ]
    assert [row["n"] for row in responses["by_service_month"]] == [4]


def test_official_reply_time_runs_to_the_first_official_comment_or_status_change(city: City) -> None:
    replies = insights_compute()["replies"]

    assert replies["city"]["ideas"] == 5
    assert replies["city"]["answered"] == 2
    assert replies["city"]["median_days"] == 1.0
    assert replies["city"]["p90_days"] == 2.0


def test_area_requests_count_by_service_and_status(city: City) -> None:
    data = insights_compute()

    # 5 closed (the duplicate too: it was a request made) and 2 open, all one service, in the north.
    assert data["area_requests"] == {"1": [[city.service.pk, 2, 5]]}


def test_refresh_stores_one_snapshot_and_replaces_it(city: City) -> None:
    insights_refresh()
    insights_refresh()

    assert InsightsSnapshot.objects.count() == 1
    assert InsightsSnapshot.objects.get().data["participation"]["city"]["participants"] == 11


@pytest.mark.django_db
def test_an_empty_city_has_nothing_to_show_but_computes(settings) -> None:  # type: ignore[no-untyped-def]
    data = insights_compute()

    assert data["participation"]["city"]["participants"] is None
    assert data["responses"]["city"] is None
