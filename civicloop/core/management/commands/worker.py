from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

RQ_BACKEND = "django_tasks_rq.RQBackend"


class Command(BaseCommand):
    help = "Run the background task worker (the database backend, or an RQ worker when TASKS_BACKEND=rq)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run until the queue is empty, then exit.")

    def handle(self, *args: object, **options: object) -> None:
        from civicloop.assistant.tasks_inbox import social_mentions_schedule
        from civicloop.core.tasks import retention_schedule
        from civicloop.delivery.tasks import resume_unfinished_sends
        from civicloop.delivery.tasks_digests import digests_schedule
        from civicloop.insights.tasks import insights_schedule
        from civicloop.opendata.tasks import opendata_schedule

        # A worker that died mid-send left deliveries leased and no task to finish them.
        resume_unfinished_sends()
        digests_schedule()  # each digest frequency has its next run waiting
        social_mentions_schedule()  # the staff inbox polls the city's social accounts
        opendata_schedule()  # open-data exports refresh on each dataset's schedule
        insights_schedule()  # the dashboards' figures are recomputed every hour
        retention_schedule()  # personal data past its retention period is forgotten daily
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
