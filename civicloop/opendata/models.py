from django.db import models


class DatasetExport(models.Model):
    """The current export of one dataset: which folder holds its files and when it was refreshed.

    A refresh writes a new folder and then points this row at it in one update, so readers always see a
    whole export; a refresh that fails leaves the row (and the files it names) as they were.
    """

    identifier = models.CharField(max_length=100, unique=True)
    folder = models.CharField(max_length=100, help_text="Folder under OPENDATA_ROOT/<identifier>/")
    modified = models.DateTimeField(help_text="When this export's refresh finished")
    row_count = models.PositiveBigIntegerField(default=0)
    # {"csv": {"size": 123, "etag": "…"}, "json": {…}, "geojson": {…}}
    files = models.JSONField(default=dict)
    temporal_start = models.CharField(max_length=40, blank=True)
    temporal_end = models.CharField(max_length=40, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.modified:%Y-%m-%d %H:%M})"
