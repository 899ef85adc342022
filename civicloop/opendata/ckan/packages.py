"""A dataset as a CKAN package dict: the publishing city, its themes as groups, the licence, and one
resource per exported format (a resource id is "<dataset>-<format>")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.text import slugify

from civicloop.core.errors import NotFound
from civicloop.opendata.datastore import FORMATS
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.registry import Dataset, dataset_get

FORMAT_LABELS = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON"}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}


_LICENSES = (
    ("pddl", "odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)"),
    ("odbl", "odc-odbl", "Open Data Commons Open Database License (ODbL)"),
    ("by/4.0", "cc-by", "Creative Commons Attribution"),
    ("zero", "cc-zero", "Creative Commons CCZero"),
)


def _ckan_time(moment: datetime | None) -> str | None:
    """As CKAN writes times: UTC without a zone suffix."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() if moment else None


def _organization() -> dict[str, Any]:
    name = slugify(settings.OPENDATA_PUBLISHER)
    return {
        "id": name,
        "name": name,
        "title": settings.OPENDATA_PUBLISHER,
        "display_name": settings.OPENDATA_PUBLISHER,
        "description": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
    }


def _group(theme: str, package_count: int | None = None) -> dict[str, Any]:
    title = theme.replace("-", " ").capitalize()
    group: dict[str, Any] = {
        "id": theme,
        "name": theme,
        "title": title,
        "display_name": title,
        "description": "",
        "image_display_url": "",
    }
    if package_count is not None:
        group.update(package_count=package_count, type="group", is_organization=False, state="active")
    return group


def _license() -> tuple[str, str]:
    url = settings.OPENDATA_LICENSE.lower()
    for needle, license_id, title in _LICENSES:
        if needle in url:
            return license_id, title
    return "other-open", "Other (Open)"


def ckan_package(dataset: Dataset, export: DatasetExport | None, *, request: HttpRequest) -> dict[str, Any]:
    """The dataset as a CKAN package dict (package_show's result): one resource per format the current
    export has, the CSV one datastore-active; no resources while the dataset was never exported."""
    modified = _ckan_time(export.modified) if export is not None else None
    identifier = dataset.identifier
    organization = _organization()
    resources = []
    files = export.files if export is not None else {}
    for position, fmt in enumerate(fmt for fmt in FORMATS if fmt in files):
        resources.append(
            {
                "id": f"{identifier}-{fmt}",
                "package_id": identifier,
                "name": f"{dataset.title} ({FORMAT_LABELS[fmt]})",
                "description": dataset.description,
                "format": FORMAT_LABELS[fmt],
                "mimetype": MEDIA_TYPES[fmt],
                "url": request.build_absolute_uri(f"/opendata/{identifier}.{fmt}"),
                "size": files[fmt].get("size"),
                "datastore_active": fmt == "csv",
                "created": modified,
                "last_modified": modified,
                "metadata_modified": modified,
                "position": position,
                "state": "active",
                "url_type": None,
                "resource_type": None,
            }
        )
    license_id, license_title = _license()
    extras = [{"key": "accrualPeriodicity", "value": dataset.accrual_periodicity}]
    extras.append({"key": "spatial_text", "value": dataset.spatial})
    if export is not None and export.temporal_start and export.temporal_end:
        extras.append({"key": "temporal", "value": f"{export.temporal_start}/{export.temporal_end}"})
    tags = [
        {"id": keyword, "name": keyword, "display_name": keyword, "state": "active", "vocabulary_id": None}
        for keyword in dataset.keywords
    ]
    return {
        "id": identifier,
        "name": identifier,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": True,
        "license_id": license_id,
        "license_title": license_title,
        "license_url": settings.OPENDATA_LICENSE,
        "author": settings.OPENDATA_PUBLISHER,
        "author_email": None,
        "maintainer": settings.OPENDATA_CONTACT_NAME,
        "maintainer_email": settings.OPENDATA_CONTACT_EMAIL,
        "organization": organization,
        "owner_org": organization["id"],
        "groups": [_group(theme) for theme in dataset.theme],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "metadata_created": modified,
        "metadata_modified": modified,
        "extras": extras,
        "url": None,
        "version": None,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def _resource_dataset(resource_id: str) -> Dataset:
    """A resource id is "<dataset>-<format>" (what package_show lists) or the dataset's own name."""
    candidates = [resource_id]
    base, _, fmt = resource_id.rpartition("-")
    if base and fmt in FORMATS:
        candidates.append(base)
    for candidate in candidates:
        try:
            return dataset_get(candidate)
        except NotFound:
            continue
    raise NotFound(f'Resource "{resource_id}" was not found.')
