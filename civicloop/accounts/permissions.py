"""Least privilege: what each staff role may do in the console."""

from enum import StrEnum

from civicloop.accounts.models import Role


class Capability(StrEnum):
    VIEW_CONSOLE = "view_console"
    COMPOSE_ANNOUNCEMENTS = "compose_announcements"
    PUBLISH_ANNOUNCEMENTS = "publish_announcements"
    VIEW_SUBSCRIBER_STATS = "view_subscriber_stats"
    WORK_SERVICE_QUEUES = "work_service_queues"
    MODERATE = "moderate"
    EDIT_KNOWLEDGE_BASE = "edit_knowledge_base"  # the assistant's FAQ entries
    ANSWER_RESIDENTS = "answer_residents"  # the staff inbox: texts, web chats, social replies
    # Residents' phone numbers in full (others see the last digits): only roles that must call back.
    VIEW_CONTACT_DETAILS = "view_contact_details"
    # Refresh the open-data exports now rather than on their schedule.
    PUBLISH_OPEN_DATA = "publish_open_data"
    ADMINISTER = "administer"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.RESIDENT: frozenset(),
    Role.COMMUNICATIONS: frozenset(
        {
            Capability.VIEW_CONSOLE,
            Capability.COMPOSE_ANNOUNCEMENTS,
            Capability.PUBLISH_ANNOUNCEMENTS,
            Capability.VIEW_SUBSCRIBER_STATS,
            Capability.EDIT_KNOWLEDGE_BASE,
            Capability.ANSWER_RESIDENTS,
            Capability.PUBLISH_OPEN_DATA,
        }
    ),
    Role.DEPARTMENT: frozenset({Capability.VIEW_CONSOLE, Capability.WORK_SERVICE_QUEUES}),
    Role.MODERATOR: frozenset({Capability.VIEW_CONSOLE, Capability.MODERATE}),
    Role.ADMIN: frozenset(Capability),
}


def user_can(user: object, capability: Capability) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", Role.RESIDENT), frozenset())


def department_may_act(user: object, department: str) -> bool:
    """Staff of a department act only for it (a department user answers their own department's
    questions); staff with no department (communications, admins) act for any."""
    own = getattr(user, "department", "") or ""
    return not own or own == department or user_can(user, Capability.ADMINISTER)
