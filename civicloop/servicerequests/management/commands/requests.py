from django.core.management.base import BaseCommand, CommandParser

from civicloop.servicerequests.services import request_photos_clean


class Command(BaseCommand):
    help = "311 request upkeep: clean-photos."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "clean-photos",
            help="Re-encode photos stored before uploads were cleaned (drops GPS and other metadata).",
        )

    def handle(self, *args: object, **options: object) -> None:
        result = request_photos_clean()
        self.stdout.write(
            f"Re-encoded {result.cleaned} photo(s) without metadata; "
            f"took down {result.removed} unreadable one(s)."
        )
