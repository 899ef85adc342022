"""`civicloop opendata list` and `civicloop opendata refresh [<dataset> …]`: the catalogue from a shell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.core.errors import NotFound


class Command(BaseCommand):
    help = "List the open-data datasets with their last export, or refresh some (or all) now."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="Each dataset: identifier, schedule, last refresh, rows.")
        refresh = actions.add_parser("refresh", help="Refresh the named datasets (all when none is named).")
        refresh.add_argument("datasets", nargs="*", help="Dataset identifiers (see `list`).")

    def handle(self, *args: Any, **options: Any) -> None:
        from civicloop.opendata.registry import dataset_get, datasets_available
        from civicloop.opendata.selectors import exports_by_identifier
        from civicloop.opendata.services import dataset_refresh

        if options["action"] == "list":
            exports = exports_by_identifier()
            for dataset in datasets_available():
                export = exports.get(dataset.identifier)
                when = export.modified.isoformat(timespec="seconds") if export else "never"
                rows = export.row_count if export else "-"
                self.stdout.write(f"{dataset.identifier}\t{dataset.accrual_periodicity}\t{when}\t{rows}")
            return
        identifiers = options["datasets"] or [dataset.identifier for dataset in datasets_available()]
        failed = []
        for identifier in identifiers:
            try:
                dataset_get(identifier)
            except NotFound as error:
                raise CommandError(error.message) from error
            try:
                export = dataset_refresh(identifier=identifier)
            except Exception as error:
                failed.append(identifier)
                self.stderr.write(f"{identifier}: refresh failed ({type(error).__name__}: {error})")
                continue
            self.stdout.write(f"{identifier}: {export.row_count} rows, formats {', '.join(export.files)}")
        if failed:
            raise CommandError(f"{len(failed)} refresh(es) failed: {', '.join(failed)}")
