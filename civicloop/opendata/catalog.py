"""The catalogue as others read it: DCAT-US v1.1 ``/data.json`` and each dataset's data dictionary.

Only datasets with an export are listed: ``modified`` is always the real time of the last refresh.
A city is not a federal agency, so ``bureauCode`` and ``programCode`` are left out (data.gov's
non-federal profile); everything else a city dataset needs is there (../shared/standards/README.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from civicloop.opendata.models import DatasetExport
from civicloop.opendata.registry import ColumnType, Dataset, datasets_available
from civicloop.opendata.selectors import exports_by_identifier

DCAT_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON"}
# Frictionless Table Schema field types for our column types (the dictionary's machine form).
TABLE_SCHEMA_TYPES = {
    ColumnType.TEXT: "string",
    ColumnType.INTEGER: "integer",
    ColumnType.NUMBER: "number",
    ColumnType.TIMESTAMP: "datetime",
    ColumnType.DATE: "string",
    ColumnType.BOOLEAN: "boolean",
}
TABLE_SCHEMA_PROFILE = "https://specs.frictionlessdata.io/schemas/table-schema.json"

Absolute = Callable[[str], str]


def dataset_paths(identifier: str) -> dict[str, str]:
    """The dataset's public paths: its page, its dictionary and one download per format."""
    paths = {
        "page": f"/opendata/{identifier}/",
        "dictionary": f"/opendata/{identifier}/dictionary.json",
    }
    paths.update({fmt: f"/opendata/{identifier}.{fmt}" for fmt in MEDIA_TYPES})
    return paths


def _temporal(export: DatasetExport) -> str | None:
    if not export.temporal_start or not export.temporal_end:
        return None
    return f"{export.temporal_start}/{export.temporal_end}"


def dcat_dataset(dataset: Dataset, export: DatasetExport, absolute: Absolute) -> dict[str, Any]:
    paths = dataset_paths(dataset.identifier)
    distributions = [
        {
            "@type": "dcat:Distribution",
            "title": f"{dataset.title} ({FORMAT_NAMES[fmt]})",
            "downloadURL": absolute(paths[fmt]),
            "mediaType": MEDIA_TYPES[fmt],
            "format": FORMAT_NAMES[fmt],
            "describedBy": absolute(paths["dictionary"]),
            "describedByType": "application/json",
        }
        for fmt in MEDIA_TYPES
        if fmt in export.files
    ]
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": dataset.title,
        "description": dataset.description,
        "keyword": list(dataset.keywords),
        "modified": export.modified.isoformat(timespec="seconds"),
        "publisher": {"@type": "org:Organization", "name": settings.OPENDATA_PUBLISHER},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": settings.OPENDATA_CONTACT_NAME,
            "hasEmail": f"mailto:{settings.OPENDATA_CONTACT_EMAIL}",
        },
        "identifier": absolute(paths["page"]),
        "accessLevel": "public",
        "license": settings.OPENDATA_LICENSE,
        "accrualPeriodicity": dataset.accrual_periodicity,
        "spatial": dataset.spatial,
        "theme": list(dataset.theme),
        "landingPage": absolute(paths["page"]),
        "describedBy": absolute(paths["dictionary"]),
        "describedByType": "application/json",
        "language": ["en-US"],
        "distribution": distributions,
    }
    temporal = _temporal(export)
    if temporal:
        entry["temporal"] = temporal
    return entry


def dcat_catalog(absolute: Absolute) -> dict[str, Any]:
    exports = exports_by_identifier()
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": absolute("/data.json"),
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_SCHEMA,
        "describedBy": f"{DCAT_SCHEMA}/catalog.json",
        "dataset": [
            dcat_dataset(dataset, exports[dataset.identifier], absolute)
            for dataset in datasets_available()
            if dataset.identifier in exports
        ],
    }


def data_dictionary(dataset: Dataset) -> dict[str, Any]:
    """The columns as a Frictionless Table Schema, with our own type and the suppression note."""
    return {
        "$schema": TABLE_SCHEMA_PROFILE,
        "title": dataset.title,
        "description": dataset.description,
        "fields": [
            {
                "name": column.name,
                "type": TABLE_SCHEMA_TYPES[column.type],
                "civicloop:type": str(column.type),
                "description": column.description,
            }
            for column in dataset.columns
        ],
        "missingValues": [""],
        "notes": dataset.suppression_text,
    }
