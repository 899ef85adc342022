"""Refresh a dataset's export: every format in one pass over its rows, then swap the new folder in.

The rows are read once and written, as they come, to ``data.csv``, ``data.json``, ``data.geojson``
(datasets with a location) and the queryable ``datastore.sqlite3``, in a hidden folder; memory stays
flat however many rows there are. Only a finished folder is renamed into place and named by the
dataset's DatasetExport row, in one update; a refresh that fails removes its half-written folder and
leaves the previous export served.
"""

from __future__ import annotations

import csv
import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson
from django.conf import settings
from django.utils import timezone
from shapely.geometry import mapping, shape

from civicloop.opendata.datastore import DATASTORE_FILE, FORMATS, DatastoreWriter
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.registry import ColumnType, Dataset, Geometry, Row, dataset_get, datasets_available
from civicloop.opendata.tables import csv_values, table_csv_write, table_rows, table_snapshot
from civicloop.places.selectors import community_area_boundaries

logger = logging.getLogger(__name__)

_AREA_SIMPLIFY_DEGREES = 0.0005  # about 50 m: the shape stays recognisable at a tenth of the size
_FOLDER = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}$")


def _root(dataset: Dataset) -> Path:
    return Path(settings.OPENDATA_ROOT) / dataset.identifier


@dataclass
class _Coverage:
    start: str = ""
    end: str = ""

    def see(self, value: object) -> None:
        if value is None or value == "":
            return
        text = str(value)
        if not self.start or text < self.start:
            self.start = text
        if not self.end or text > self.end:
            self.end = text


def _area_geometries() -> dict[int, dict[str, Any]]:
    return {
        number: mapping(shape(boundary).simplify(_AREA_SIMPLIFY_DEGREES, preserve_topology=True))
        for number, boundary in community_area_boundaries()
    }


def _geometry_for(dataset: Dataset) -> Callable[[Row], dict[str, Any] | None] | None:
    names = dataset.column_names
    if dataset.geometry == Geometry.POINT:
        latitude, longitude = names.index("latitude"), names.index("longitude")

        def point(row: Row) -> dict[str, Any] | None:
            lat, lon = row[latitude], row[longitude]
            if lat is None or lon is None:
                return None
            return {"type": "Point", "coordinates": [lon, lat]}

        return point
    if dataset.geometry == Geometry.AREA:
        area = names.index("community_area_number")
        geometries = _area_geometries()

        def area_shape(row: Row) -> dict[str, Any] | None:
            number = row[area]
            return geometries.get(number) if isinstance(number, int) else None

        return area_shape
    return None


class _Writers:
    """The open files of one export; each row goes to all of them."""

    def __init__(self, dataset: Dataset, folder: Path, *, with_csv: bool = True) -> None:
        self.names = dataset.column_names
        self.booleans = [i for i, column in enumerate(dataset.columns) if column.type == ColumnType.BOOLEAN]
        self.handles: list[IO[Any]] = []
        self.csv = None
        if with_csv:
            self.csv = csv.writer(self._open(folder / FORMATS["csv"], "w", newline="", encoding="utf-8"))
            self.csv.writerow(self.names)
        self.json = self._open(folder / FORMATS["json"], "wb")
        self.json.write(b"[")
        self.geometry = _geometry_for(dataset)
        self.geojson = self._open(folder / FORMATS["geojson"], "wb") if self.geometry else None
        if self.geojson is not None:
            self.geojson.write(b'{"type":"FeatureCollection","features":[')
        self.datastore = DatastoreWriter(folder / DATASTORE_FILE, dataset.columns)
        self.count = 0

    def _open(self, path: Path, mode: str, **options: Any) -> IO[Any]:
        handle = open(path, mode, **options)  # noqa: SIM115  (closed in close())
        self.handles.append(handle)
        return handle

    def write(self, rows: list[Row]) -> None:
        if self.csv is not None and self.booleans:
            self.csv.writerows(csv_values(row, self.booleans) for row in rows)
        elif self.csv is not None:
            self.csv.writerows(rows)  # the csv module writes None as an empty field
        separator = b",\n" if self.count else b"\n"
        items = [dict(zip(self.names, row, strict=True)) for row in rows]
        self.json.write(separator + b",\n".join(orjson.dumps(item) for item in items))
        if self.geojson is not None and self.geometry is not None:
            features = [
                orjson.dumps({"type": "Feature", "geometry": self.geometry(row), "properties": item})
                for row, item in zip(rows, items, strict=True)
            ]
            self.geojson.write(separator + b",\n".join(features))
        self.datastore.write_many(rows)
        self.count += len(rows)

    def finish(self) -> None:
        self.json.write(b"\n]\n")
        if self.geojson is not None:
            self.geojson.write(b"\n]}\n")
        self.datastore.close()
        self.close()

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def _batches(rows: Iterable[Row], size: int = 2000) -> Iterable[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def dataset_refresh(*, identifier: str) -> DatasetExport:
    """Write a new export of the dataset and serve it from now on; the DatasetExport row.

    Raises what the dataset's rows raised, after removing the unfinished folder and noting the error on
    the previous export (which stays served).
    """
    dataset = dataset_get(identifier)
    root = _root(dataset)
    root.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    folder_name = f"{started:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    unfinished = root / f".{folder_name}"
    unfinished.mkdir()
    coverage = _Coverage()
    temporal = dataset.column_names.index(dataset.temporal_column) if dataset.temporal_column else None
    seconds: dict[str, float] = {}
    try:
        rows: Iterable[Row]
        if dataset.table is not None:
            # The database writes the CSV first, in parts over the CPUs; then one pass for the rest.
            snapshot = table_snapshot(dataset)
            pass_started = time.perf_counter()
            csv_rows = table_csv_write(
                dataset,
                unfinished / FORMATS["csv"],
                snapshot=snapshot,
                processes=settings.OPENDATA_EXPORT_PROCESSES,
            )
            seconds["csv"] = time.perf_counter() - pass_started
            rows = table_rows(dataset, snapshot)
        else:
            csv_rows = None
            rows = dataset.rows()
        pass_started = time.perf_counter()
        writers = _Writers(dataset, unfinished, with_csv=csv_rows is None)
        try:
            for batch in _batches(rows):
                if temporal is not None:
                    for row in batch:
                        coverage.see(row[temporal])
                writers.write(batch)
            writers.finish()
        finally:
            writers.close()
        for fmt in (*FORMATS, "datastore"):
            seconds.setdefault(fmt, time.perf_counter() - pass_started)
        if csv_rows is not None and csv_rows != writers.count:
            raise RuntimeError(f"the CSV has {csv_rows} rows and the other formats {writers.count}")
        unfinished.rename(root / folder_name)
    except Exception as error:
        shutil.rmtree(unfinished, ignore_errors=True)
        DatasetExport.objects.filter(identifier=identifier).update(
            last_attempt_at=started, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.exception("open data: the refresh of %s failed; the previous export stays", identifier)
        raise
    folder = root / folder_name
    files = {
        fmt: {
            "size": (folder / name).stat().st_size,
            "etag": f'"{folder_name}-{fmt}"',
            # How long writing it took (formats written in one pass share that pass's time).
            "seconds": round(seconds[fmt], 2),
        }
        for fmt, name in FORMATS.items()
        if (folder / name).exists()
    }
    export, _ = DatasetExport.objects.update_or_create(
        identifier=identifier,
        defaults={
            "folder": folder_name,
            "modified": timezone.now(),
            "row_count": writers.count,
            "files": files,
            "temporal_start": coverage.start,
            "temporal_end": coverage.end,
            "last_attempt_at": started,
            "last_error": "",
        },
    )
    _remove_old_folders(root, keep={folder_name})
    return export


def _remove_old_folders(root: Path, *, keep: set[str]) -> None:
    """Older exports go; a download still streaming one keeps its open file (POSIX unlink semantics).
    The newest older one stays a while for readers that looked up the row just before the swap."""
    older = sorted(path for path in root.iterdir() if _FOLDER.match(path.name) and path.name not in keep)
    for path in older[:-1]:
        shutil.rmtree(path, ignore_errors=True)


_PERIOD = re.compile(
    r"^R/P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


def accrual_period(accrual_periodicity: str) -> timedelta:
    """ "R/P1D" → one day. Only weeks, days, hours and minutes: months and years are not fixed lengths."""
    found = _PERIOD.match(accrual_periodicity)
    if found is None or not any(found.groupdict().values()):
        raise ValueError(f"unsupported accrualPeriodicity {accrual_periodicity!r}")
    return timedelta(**{unit: int(amount) for unit, amount in found.groupdict().items() if amount})


def datasets_due(*, now: datetime) -> list[str]:
    """The datasets never exported, or whose period has passed since their last export."""
    last = dict(DatasetExport.objects.values_list("identifier", "modified"))
    return [
        dataset.identifier
        for dataset in datasets_available()
        if dataset.identifier not in last
        or last[dataset.identifier] + accrual_period(dataset.accrual_periodicity) <= now
    ]


def datasets_refresh_all() -> dict[str, str]:
    """Refresh every available dataset; one failure does not stop the others. identifier → "ok"/error."""
    outcome: dict[str, str] = {}
    for dataset in datasets_available():
        try:
            dataset_refresh(identifier=dataset.identifier)
            outcome[dataset.identifier] = "ok"
        except Exception as error:
            outcome[dataset.identifier] = f"{type(error).__name__}: {error}"
    return outcome
