from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.core.errors import DomainError
from civicloop.records.backups import backup_create


class Command(BaseCommand):
    help = (
        "Write one archive of the database (pg_dump or SQLite's backup API) and MEDIA_ROOT, with a manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Where to write civicloop-backup-<time>.tar.gz")

    def handle(self, *args: object, **options: object) -> None:
        directory = options["directory"]
        assert isinstance(directory, Path)
        try:
            result = backup_create(directory)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{result.archive} ({result.bytes} bytes, {result.media_files} media file(s))")
