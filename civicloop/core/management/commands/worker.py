from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks database backend)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run until the queue is empty, then exit.")

    def handle(self, *args: object, **options: object) -> None:
        from civicloop.delivery.tasks import resume_unfinished_sends

        # A worker that died mid-send left deliveries leased and no task to finish them.
        resume_unfinished_sends()
        batch = bool(options["batch"])
        call_command(
            "db_worker",
            batch=batch,
            interval=1,
            reload=False,  # the demo runs web and worker side by side; no code-watching restarts
            startup_delay=not batch,
            verbosity=options["verbosity"],
        )
