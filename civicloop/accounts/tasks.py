from django_tasks import task

from civicloop.accounts.services import staff_lockout_email_send


@task()
def send_staff_lockout_email(event_id: int) -> bool:
    """Enqueued after a staff account is locked out; emails its holder once (idempotent)."""
    return staff_lockout_email_send(event_id=event_id)
