import csv
import json
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from civicloop.places.models import CommunityArea

DATA_DIR = Path(__file__).resolve().parent / "data"
BOUNDARIES_FILE = DATA_DIR / "chicago_community_areas.geojson"
POPULATION_FILE = DATA_DIR / "chicago_community_areas_population_2020.csv"


@transaction.atomic
def community_areas_load(
    *, boundaries_file: Path = BOUNDARIES_FILE, population_file: Path = POPULATION_FILE
) -> int:
    """Load or refresh the community areas from the city's GeoJSON and census CSV (idempotent)."""
    with population_file.open(encoding="utf-8") as handle:
        populations = {int(row["community_area_id"]): row for row in csv.DictReader(handle)}
    features = json.loads(boundaries_file.read_text(encoding="utf-8"))["features"]
    existing = {area.number: area for area in CommunityArea.objects.all()}
    to_create: list[CommunityArea] = []
    to_update: list[CommunityArea] = []
    for feature in features:
        number = int(feature["properties"]["area_numbe"])
        row = populations[number]
        name = row["community_area_name"]
        area = existing.get(number) or CommunityArea(number=number)
        area.name, area.slug = name, slugify(name)
        area.population_2020 = int(row["population_2020"])
        area.boundary = feature["geometry"]
        (to_update if area.pk else to_create).append(area)
    CommunityArea.objects.bulk_create(to_create)
    CommunityArea.objects.bulk_update(to_update, ["name", "slug", "population_2020", "boundary"])
    from civicloop.places.selectors import community_area_index_clear

    community_area_index_clear()
    return len(features)
