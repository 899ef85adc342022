from django_tasks import task

from civicloop.announcements.services import announcements_publish_due


@task()
def publish_due_announcements() -> int:
    """Enqueued for each scheduled time; publishes whatever is due (idempotent)."""
    return len(announcements_publish_due())
