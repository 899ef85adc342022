"""The demo city's staff: one login of each role, all with the demo password."""

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.demo.content import DEMO_PASSWORD, DEMO_STAFF

# The one real queue the department login works (least privilege); the admin sees every queue.
DEMO_DEPARTMENT = "Transportation"


def demo_staff_ensure() -> None:
    """A staff user of each role (idempotent)."""
    for username, email, role, name in DEMO_STAFF:
        staff_user_ensure(
            username=username, email=email, role=Role(role), password=DEMO_PASSWORD, full_name=name
        )
