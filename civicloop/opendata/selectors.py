"""Reads for the catalogue, the downloads and the query APIs: which export is current, and its files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from civicloop.core.errors import NotFound
from civicloop.opendata.datastore import DATASTORE_FILE, FORMATS
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.registry import Dataset


def export_current(identifier: str) -> DatasetExport | None:
    return DatasetExport.objects.filter(identifier=identifier).first()


def exports_by_identifier() -> dict[str, DatasetExport]:
    return {export.identifier: export for export in DatasetExport.objects.all()}


def export_folder(export: DatasetExport) -> Path:
    return Path(settings.OPENDATA_ROOT) / export.identifier / export.folder


def export_file(export: DatasetExport, fmt: str) -> Path:
    """The file of one format of the export, or NotFound (unknown format, or none for this dataset)."""
    if fmt not in FORMATS or fmt not in export.files:
        raise NotFound(f"There is no {fmt} file for {export.identifier!r}.")
    return export_folder(export) / FORMATS[fmt]


def datastore_path(dataset: Dataset) -> Path:
    """The current datastore file of the dataset (what datastore_search and /resource/ query).

    NotFound when the dataset has not been exported yet."""
    export = export_current(dataset.identifier)
    if export is None:
        raise NotFound(f"The dataset {dataset.identifier!r} has not been published yet.")
    return export_folder(export) / DATASTORE_FILE
