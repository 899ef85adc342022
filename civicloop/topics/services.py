from django.db import transaction

from civicloop.topics.models import Topic

# The city's starting taxonomy: (slug, English, Spanish).
CITY_TOPICS: list[tuple[str, str, str]] = [
    ("streets-transportation", "Streets and transportation", "Calles y transporte"),
    ("public-safety", "Public safety", "Seguridad pública"),
    ("health", "Health", "Salud"),
    ("housing", "Housing", "Vivienda"),
    ("business", "Business", "Negocios"),
    ("parks-culture", "Parks and culture", "Parques y cultura"),
    ("environment", "Environment", "Medio ambiente"),
    ("budget", "Budget", "Presupuesto"),
    ("jobs-education", "Jobs and education", "Empleo y educación"),
    ("digital-equity", "Digital equity", "Equidad digital"),
    ("water-sanitation", "Water and sanitation", "Agua y saneamiento"),
    ("seniors-families", "Seniors and families", "Personas mayores y familias"),
]


@transaction.atomic
def topics_ensure() -> int:
    """Create or rename the city's topics (idempotent)."""
    for position, (slug, name_en, name_es) in enumerate(CITY_TOPICS):
        Topic.objects.update_or_create(
            slug=slug, defaults={"name_en": name_en, "name_es": name_es, "position": position}
        )
    return len(CITY_TOPICS)
