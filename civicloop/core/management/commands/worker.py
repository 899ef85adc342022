from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

RQ_BACKEND = "django_tasks_rq.RQBackend"


class Command(BaseCommand):
    help = "Run the background task worker (the database backend, or an RQ worker when TASKS_BACKEND=rq)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run until the queue is empty, then exit.")

    def handle(self, *args: object, **options: object) -> None:
        # What each app books at worker start (settings.WORKER_START_HOOKS), in order; all found first.
        hooks = [import_string(path) for path in settings.WORKER_START_HOOKS]
        for hook in hooks:
            hook()
        batch = bool(options["batch"])
        backend = settings.TASKS["default"]
        if backend["BACKEND"] == RQ_BACKEND:
            call_command(
                "rqworker",
                *backend.get("QUEUES", ["default"]),
                job_class="django_tasks_rq.Job",  # runs django-tasks' Task objects (django-tasks-rq README)
                worker_class="civicloop.core.rq_worker.PromptSchedulerWorker",
                burst=batch,
                # Tasks with run_after (retries, scheduled publishing) wait in RQ's scheduled registry;
                # the scheduler moves them to the queue when due (in --batch: those due at start).
                with_scheduler=True,
                verbosity=options["verbosity"],
            )
            return
        call_command(
            "db_worker",
            batch=batch,
            interval=1,
            reload=False,  # the demo runs web and worker side by side; no code-watching restarts
            startup_delay=not batch,
            verbosity=options["verbosity"],
        )
