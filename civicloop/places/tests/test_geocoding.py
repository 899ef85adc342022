import dataclasses
import math

import pytest

from civicloop.places.geocoding import LocatedPlace, _place_find, place_locate
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_by_name, community_area_index_clear
from civicloop.places.services import community_areas_load

HALSTED_AND_35TH = (41.83075, -87.64611)  # the city's S HALSTED ST & W 35TH ST

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def areas(django_db_setup, django_db_blocker):
    """The 77 community areas, loaded once for this module (0.5 s a load) and removed after it."""
    with django_db_blocker.unblock():
        community_areas_load()
    yield
    with django_db_blocker.unblock():
        CommunityArea.objects.all().delete()
        community_area_index_clear()


def metres(place: LocatedPlace, latitude: float, longitude: float) -> float:
    """Great-circle distance (haversine) from a located place to a point."""
    radius = 6_371_000
    phi_1, phi_2 = math.radians(place.latitude), math.radians(latitude)
    d_phi, d_lambda = phi_2 - phi_1, math.radians(longitude - place.longitude)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def area_name(place: LocatedPlace) -> str:
    assert place.community_area_id is not None
    return CommunityArea.objects.get(pk=place.community_area_id).name


@pytest.mark.parametrize(
    ("text", "latitude", "longitude", "label", "area"),
    [
        ("3500 S Halsted", 41.8308, -87.6461, "3500 S HALSTED ST", "Bridgeport"),
        ("121 N LaSalle", 41.8837, -87.6323, "121 N LA SALLE ST", "Loop"),  # City Hall
        ("1060 W Addison", 41.9474, -87.6553, "1060 W ADDISON ST", "Lake View"),  # Wrigley Field
    ],
)
def test_an_address_lands_on_its_spot(areas, text, latitude, longitude, label, area):
    place = place_locate(text)

    assert place is not None
    assert metres(place, latitude, longitude) < 100
    assert (place.label, place.precision, area_name(place)) == (label, "address", area)


@pytest.mark.parametrize(
    ("text", "latitude", "longitude"),
    [
        # Where a street strays ~100 m from the city-wide grid, its own corners put the number right.
        ("4300 W Cermak Rd", 41.85145, -87.73124),  # S KILDARE AVE (4300 W) & W CERMAK RD
        ("6200 W Foster Ave", 41.97566, -87.78363),  # N MELVINA AVE (6200 W) & W FOSTER AVE
        ("3600 S Kostner", 41.82718, -87.73527),  # S KOSTNER AVE & W 36TH ST
    ],
)
def test_a_number_at_a_grid_line_lands_on_that_corner(areas, text, latitude, longitude):
    place = place_locate(text)

    assert place is not None
    assert metres(place, latitude, longitude) < 15


def test_a_house_number_between_cross_streets_is_interpolated_along_the_street(areas):
    # 121 N LaSalle lies between Washington (100 N, lat 41.88321) and Randolph (150 N, lat 41.88447).
    place = place_locate("121 N LaSalle")

    assert place is not None
    assert 41.8836 < place.latitude < 41.8839
    assert abs(place.longitude - -87.63242) < 0.0001


def test_a_number_on_a_cross_street_lands_on_the_corner(areas):
    # 1200 W is Racine Ave: 1200 W Madison is the corner of Madison and Racine (41.88162, -87.6569).
    place = place_locate("1200 w madison")

    assert place is not None
    assert place.label == "1200 W MADISON ST"
    assert metres(place, 41.88162, -87.65691) < 30
    assert area_name(place) == "Near West Side"


@pytest.mark.parametrize(
    "text",
    [
        "pothole on 35th and Halsted",
        "35th & halsted",
        "Halsted and 35th st",
        "halsted / 35th",
        "35th y Halsted",
        "esquina de 35 y halsted",
        "corner of halsted & 35th st",
        "S Halsted St & W 35th St",
        "there is a pothole at 35th and halsted please fix",
        "35th and Halsted, Chicago, IL 60616",
        "hay un bache en la calle 35 y la Halsted",
        "35th n halsted",
        "Halsted between 35th and 36th",
        "halstead and 35th",
        "Hallsted & 35",
    ],
)
def test_cross_streets_in_english_and_spanish(areas, text):
    place = place_locate(text)

    assert place is not None
    assert place.label == "S HALSTED ST & W 35TH ST"
    assert place.precision == "intersection"
    assert metres(place, *HALSTED_AND_35TH) < 5
    assert area_name(place) == "Bridgeport"


@pytest.mark.parametrize(
    "text",
    [
        "hay ratas en 3500 S Halsted",
        "3500 South Halsted Street",
        "3500 block of S. Halsted St., Chicago, IL 60609",
        "3500 s halsted y 35",  # the address and the corner agree
    ],
)
def test_addresses_inside_messages(areas, text):
    place = place_locate(text)

    assert place is not None
    assert (place.label, place.precision) == ("3500 S HALSTED ST", "address")
    assert metres(place, *HALSTED_AND_35TH) < 20


@pytest.mark.parametrize(
    ("text", "label", "area"),
    [
        ("Cermak y Wentworth", "S WENTWORTH AVE & W CERMAK RD", "Armour Square"),
        ("wenworth y cermack", "S WENTWORTH AVE & W CERMAK RD", "Armour Square"),
        ("MLK Dr & 71st", "S DR MARTIN LUTHER KING JR DR & E 71ST ST", "Greater Grand Crossing"),
        ("irving prk & pulaski", "N PULASKI RD & W IRVING PARK RD", "Irving Park"),
        ("Fullerton & Sheffield", "N SHEFFIELD AVE & W FULLERTON AVE", "Lincoln Park"),
        ("State St and Lake St", "N STATE ST & E LAKE ST", "Loop"),
        ("95th and Western", "S WESTERN AVE & W 95TH ST", "Beverly"),
        # Western Ave is the city limit south of 87th St: the corner at 97th St lies a few metres outside
        # every community area, yet the street is Chicago's.
        ("97th and Western", "S WESTERN AVE & W 97TH ST", "Beverly"),
    ],
)
def test_other_corners(areas, text, label, area):
    place = place_locate(text)

    assert place is not None
    assert (place.label, area_name(place)) == (label, area)


@pytest.mark.parametrize(
    ("text", "label", "latitude", "longitude"),
    [
        # Diagonal streets follow their own course: Milwaukee meets North Ave and Damen at 1600 N.
        ("1600 N Milwaukee Ave", "1600 N MILWAUKEE AVE", 41.9105, -87.6776),
        ("2400 N Lincoln Ave", "2400 N LINCOLN AVE", 41.9254, -87.6488),
        ("4000 W 55th St", "4000 W 55TH ST", 41.7932, -87.7232),  # Pulaski is 4000 W
        ("7600 N Sheridan", "7600 N SHERIDAN RD", 42.0193, -87.6660),  # Howard St, the north city limit
    ],
)
def test_addresses_across_the_city(areas, text, label, latitude, longitude):
    place = place_locate(text)

    assert place is not None
    assert place.label == label
    assert metres(place, latitude, longitude) < 100


@pytest.mark.parametrize(
    "text",
    [
        "1600 Pennsylvania Ave NW, Washington DC",
        "800 Davis St, Evanston, IL 60201",
        "123 Main St",
        "Main St and Elm St",
    ],
)
def test_places_outside_chicago_are_not_located(areas, text):
    assert place_locate(text) is None


def test_a_corner_in_the_data_but_outside_every_community_area_is_not_located(areas):
    text = "Armstrong Ct and Old Higgins Rd"  # by O'Hare, ~190 m outside the city's community areas

    assert _place_find(text) is not None  # the streets are read and found...
    assert place_locate(text) is None  # ...but the point is not in Chicago


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🕳️🕳️🕳️",
        "ratas!!!",
        "asdf qwerty zxcv",
        "hello how are you",
        "there is a big hole",
        "I called 311 and nobody came",
        "there are 3 green cars on my street",
        "I live in Chicago and State law says no",
        "state and lake",  # two everyday words: not enough to place a point
    ],
)
def test_garbage_and_chatter_are_not_located(areas, text):
    assert place_locate(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "3500 Halsted",  # 3500 N or 3500 S?
        "100 madison",  # 100 W or 100 E?
        "adison and halsted",  # Addison or Madison?
        "pothole at 1200 W Madison and another at 35th and Halsted",  # two places
        "Lake Shore Dr and Fullerton",  # they only meet by ramps
    ],
)
def test_ambiguous_texts_give_none_rather_than_a_guess(areas, text):
    assert place_locate(text) is None


def test_an_address_and_a_corner_that_agree_give_the_address(areas):
    place = place_locate("1200 W Madison at Racine")

    assert place is not None
    assert place.label == "1200 W MADISON ST"


def test_a_located_place_is_immutable(areas):
    place = place_locate("35th and Halsted")

    assert place is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        place.latitude = 0.0  # type: ignore[misc]


def test_repeated_lookups_give_the_same_places(areas):
    # Speed is for benchmarks, not timed tests; what a cache must not change is the answer.
    texts = ["pothole on 35th and Halsted", "hay ratas en 3500 S Halsted", "1200 w madison", "halstead y 35"]
    first = [place_locate(text) for text in texts]
    assert all(place is not None for place in first)
    for _ in range(3):
        assert [place_locate(text) for text in texts] == first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hyde park", "Hyde Park"),
        ("HYDE PARK", "Hyde Park"),
        ("Lakeview", "Lake View"),
        ("Lake View", "Lake View"),
        ("o'hare", "O'Hare"),
        ("OHARE", "O'Hare"),
        ("O’Hare", "O'Hare"),
        ("the loop", "Loop"),
        ("Englewod", "Englewood"),
        ("Humbolt Park", "Humboldt Park"),
        ("Logan Sq", "Logan Square"),
        ("Édgewater", "Edgewater"),
        ("  south   LAWNDALE ", "South Lawndale"),
    ],
)
def test_a_community_area_is_found_by_a_forgiving_name(areas, text, expected):
    area = community_area_by_name(text)

    assert area is not None
    assert area.name == expected


@pytest.mark.parametrize(
    "text",
    [
        "Pilsen",  # a neighbourhood in Lower West Side, not a community area
        "Garfield Park",  # East or West Garfield Park?
        "Evanston",
        "",
        "lo",
        "🙂",
    ],
)
def test_a_name_that_is_no_single_community_area_gives_none(areas, text):
    assert community_area_by_name(text) is None
