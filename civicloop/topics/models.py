from django.db import models
from django.utils.translation import get_language


class Topic(models.Model):
    """The city's shared taxonomy: announcements, subscriptions, forums, FAQ and 311 use it."""

    slug = models.SlugField(max_length=60, unique=True)
    name_en = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_es if (get_language() or "en").startswith("es") else self.name_en
