import pytest

from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_for_point
from civicloop.places.services import community_areas_load


@pytest.fixture
def areas(db):
    community_areas_load()


def test_all_77_community_areas_load_with_the_2020_population(areas):
    assert CommunityArea.objects.count() == 77
    assert sum(CommunityArea.objects.values_list("population_2020", flat=True)) == 2_746_388


def test_loading_twice_changes_nothing(areas):
    community_areas_load()

    assert CommunityArea.objects.count() == 77


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (41.8789, -87.6359, "Loop"),  # Willis Tower
        (41.8575, -87.6563, "Lower West Side"),  # Pilsen, 18th St
        (42.0087, -87.6664, "Rogers Park"),
        (41.7943, -87.5907, "Hyde Park"),
    ],
)
def test_a_point_falls_in_its_community_area(areas, latitude, longitude, expected):
    area = community_area_for_point(latitude=latitude, longitude=longitude)

    assert area is not None and area.name == expected


def test_a_point_outside_chicago_has_no_area(areas):
    assert community_area_for_point(latitude=41.8500, longitude=-87.9000) is None  # Oak Brook
