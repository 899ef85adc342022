"""Insights: the precomputed aggregates the dashboards and neighbourhood pages read."""

from django.db import models


class InsightsSnapshot(models.Model):
    """The latest aggregates, as one JSON document written whole by `insights_refresh`.

    One row (pk 1): pages read it in one query instead of aggregating requests and votes per view.
    It holds counts and durations only: no names, contacts or ids of people.
    """

    computed_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"insights computed {self.computed_at:%Y-%m-%d %H:%M}"
