from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.core.errors import DomainError
from civicloop.records.backups import backup_restore


class Command(BaseCommand):
    help = "Restore the database and MEDIA_ROOT from an archive written by `civicloop backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already has data, and media files already there.",
        )

    def handle(self, *args: object, **options: object) -> None:
        archive = options["archive"]
        assert isinstance(archive, Path)
        try:
            result = backup_restore(archive, force=bool(options["force"]))
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Restored the {result.vendor} backup of {result.created_at} "
            f"and {result.media_files} media file(s). Run `civicloop migrate` if this code is newer."
        )
