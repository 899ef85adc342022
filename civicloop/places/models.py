from django.db import models


class CommunityAreaManager(models.Manager["CommunityArea"]):
    def get_queryset(self) -> models.QuerySet["CommunityArea"]:
        # Boundaries are large; only the point lookup reads them.
        return super().get_queryset().defer("boundary")


class CommunityArea(models.Model):
    """One of Chicago's 77 community areas, with its boundary and 2020 census population."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    population_2020 = models.PositiveIntegerField(default=0)
    boundary = models.JSONField(help_text="GeoJSON geometry (WGS84)")

    objects = CommunityAreaManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
