from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks database backend)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run until the queue is empty, then exit.")

    def handle(self, *args: object, **options: object) -> None:
        call_command("db_worker", batch=bool(options["batch"]), interval=1, verbosity=options["verbosity"])
