"""Reads for the staff 311 queues: who may see which requests, filters, sorting and SLA breaches."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from civicloop.accounts.models import Role, User
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability
from civicloop.core.errors import NotFound
from civicloop.places.models import CommunityArea
from civicloop.servicerequests.models import (
    Follower,
    Service,
    ServiceAttribute,
    ServiceRequest,
    StatusChange,
)

Detailed = ServiceRequest.Detailed

# Roles that work the queues, read from the capability table so the two never disagree.
QUEUE_ROLES = tuple(
    role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.WORK_SERVICE_QUEUES in capabilities
)

OPEN_STATUSES = "open"
CLOSED_STATUSES = "closed"
ANY_STATUS = "all"
STATUS_FILTERS = (OPEN_STATUSES, CLOSED_STATUSES, ANY_STATUS, *Detailed.values)

ASSIGNED_TO_ME = "me"
UNASSIGNED = "unassigned"
ASSIGNEE_FILTERS = ("", ASSIGNED_TO_ME, UNASSIGNED)

SORT_DEADLINE = "deadline"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
SORT_STATUS = "status"
SORTS = (SORT_DEADLINE, SORT_NEWEST, SORT_OLDEST, SORT_STATUS)

# The order work moves through, so "sort by status" reads like the workflow, not the alphabet.
WORKFLOW_ORDER = (
    Detailed.SUBMITTED,
    Detailed.ACKNOWLEDGED,
    Detailed.IN_PROGRESS,
    Detailed.COMPLETED,
    Detailed.CANNOT_COMPLETE,
    Detailed.DUPLICATE,
)

# Never read for the queue table: requester details belong on the detail page only.
QUEUE_FIELDS = (
    "public_id",
    "status",
    "detailed_status",
    "requested_at",
    "expected_at",
    "service",
    "service__name",
    "service__name_es",
    "service__department",
    "community_area",
    "community_area__name",
    "assigned_to",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "photo_thumbnail",
    "photo_thumbnail_width",
    "photo_thumbnail_height",
)


@dataclass(frozen=True)
class QueueScope:
    """The requests one member of staff may see and change: one department's, or every one ("")."""

    department: str = ""

    @property
    def all_departments(self) -> bool:
        return not self.department


@dataclass(frozen=True)
class QueueFilters:
    """A parsed queue search; every value is already one of the known ones (or free text to match)."""

    department: str = ""
    service: str = ""
    status: str = OPEN_STATUSES
    area: str = ""
    assignee: str = ""
    overdue_only: bool = False
    sort: str = SORT_DEADLINE


def queue_scope(user: User) -> QueueScope:
    """Admins see every department; department staff see their own, or all when they have none set."""
    if user.role == Role.ADMIN:
        return QueueScope()
    return QueueScope(department=user.department)


def _overdue(now: datetime) -> ExpressionWrapper:
    return ExpressionWrapper(
        Q(status=ServiceRequest.Status.OPEN, expected_at__lt=now), output_field=BooleanField()
    )


def _in_scope(scope: QueueScope, *, department: str = "") -> QuerySet[ServiceRequest]:
    # The scope wins: a department filter can only narrow what the scope already allows.
    requests = ServiceRequest.objects.all()
    if scope.department:
        requests = requests.filter(service__department=scope.department)
    elif department:
        requests = requests.filter(service__department=department)
    return requests


def _ordered(requests: QuerySet[ServiceRequest], sort: str) -> QuerySet[ServiceRequest]:
    if sort == SORT_NEWEST:
        return requests.order_by("-requested_at", "-id")
    if sort == SORT_OLDEST:
        return requests.order_by("requested_at", "id")
    if sort == SORT_STATUS:
        step = Case(
            *[When(detailed_status=status, then=Value(order)) for order, status in enumerate(WORKFLOW_ORDER)],
            default=Value(len(WORKFLOW_ORDER)),
            output_field=IntegerField(),
        )
        return requests.annotate(workflow_step=step).order_by("workflow_step", "-requested_at", "-id")
    return requests.order_by(F("expected_at").asc(nulls_last=True), "requested_at", "id")


def queue_requests(
    *, scope: QueueScope, filters: QueueFilters, user_id: int, now: datetime
) -> QuerySet[ServiceRequest]:
    """The queue, each row annotated with `overdue`; one query per page whatever the number of rows."""
    requests = (
        _in_scope(scope, department=filters.department)
        .select_related("service", "community_area", "assigned_to")
        .only(*QUEUE_FIELDS)
        .annotate(overdue=_overdue(now))
    )
    if filters.status == OPEN_STATUSES:
        requests = requests.filter(status=ServiceRequest.Status.OPEN)
    elif filters.status == CLOSED_STATUSES:
        requests = requests.filter(status=ServiceRequest.Status.CLOSED)
    elif filters.status in Detailed.values:
        requests = requests.filter(detailed_status=filters.status)
    if filters.service:
        requests = requests.filter(service__code=filters.service)
    if filters.area:
        requests = requests.filter(community_area__slug=filters.area)
    if filters.assignee == ASSIGNED_TO_ME:
        requests = requests.filter(assigned_to_id=user_id)
    elif filters.assignee == UNASSIGNED:
        requests = requests.filter(assigned_to__isnull=True)
    if filters.overdue_only:
        requests = requests.filter(status=ServiceRequest.Status.OPEN, expected_at__lt=now)
    return _ordered(requests, filters.sort)


def queue_overdue_count(*, scope: QueueScope, department: str = "", now: datetime) -> int:
    """Open requests past their SLA deadline in the queue shown (the scope and chosen department)."""
    return (
        _in_scope(scope, department=department)
        .filter(status=ServiceRequest.Status.OPEN, expected_at__lt=now)
        .count()
    )


def queue_department_choices() -> list[str]:
    return list(Service.objects.order_by("department").values_list("department", flat=True).distinct())


def queue_service_choices(scope: QueueScope) -> QuerySet[Service]:
    services = Service.objects.order_by("department", "name").only("code", "name", "name_es", "department")
    if scope.department:
        services = services.filter(department=scope.department)
    return services


def queue_area_choices() -> QuerySet[CommunityArea]:
    return CommunityArea.objects.order_by("name").only("slug", "name")


def queue_request_ids_in_scope(*, scope: QueueScope, public_ids: list[str]) -> list[int]:
    """Row ids for the public ids this member of staff may touch; the others are silently left out."""
    return list(_in_scope(scope).filter(public_id__in=public_ids).values_list("pk", flat=True))


def queue_request_get(*, scope: QueueScope, public_id: str) -> ServiceRequest:
    """One request in scope (only what a write needs), or NotFound: out of scope looks like no request."""
    request = _in_scope(scope).select_related("service").filter(public_id=public_id).first()
    if request is None:
        raise NotFound(f"No request {public_id!r}.")
    return request


def queue_request_for_staff(*, scope: QueueScope, public_id: str, now: datetime) -> ServiceRequest:
    """Everything about one request for its staff page: contact details, answers, the full timeline."""
    confirmed_followers = (
        Follower.objects.filter(request=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by()
        .values("request")
        .annotate(total=Count("pk"))
        .values("total")
    )
    request = (
        _in_scope(scope)
        .select_related("service", "community_area", "assigned_to", "parent")
        .defer("community_area__boundary")
        .annotate(
            overdue=_overdue(now),
            follower_count=Coalesce(Subquery(confirmed_followers), Value(0)),
        )
        .prefetch_related(
            Prefetch(
                "changes", queryset=StatusChange.objects.select_related("actor").order_by("created_at", "id")
            ),
            Prefetch("service__attributes", queryset=ServiceAttribute.objects.order_by("order", "id")),
            Prefetch("duplicates", queryset=ServiceRequest.objects.only("public_id", "parent_id")),
        )
        .filter(public_id=public_id)
        .first()
    )
    if request is None:
        raise NotFound(f"No request {public_id!r}.")
    return request


def request_answers(request: ServiceRequest, *, language: str) -> list[tuple[str, str]]:
    """(question, answer) for each answered service question, list keys shown by their names."""
    answers = []
    for attribute in request.service.attributes.all():
        if attribute.code not in request.attribute_values:
            continue
        question = (attribute.description_es if language == "es" else "") or attribute.description
        names = {
            str(value["key"]): (value.get("name_es") if language == "es" else "") or value["name"]
            for value in attribute.values
        }
        given = request.attribute_values[attribute.code]
        values = given if isinstance(given, list) else [given]
        answers.append((question, ", ".join(names.get(str(value), str(value)) for value in values)))
    return answers


def assignable_staff(*, department: str) -> QuerySet[User]:
    """Active queue staff who can see a request of this department: the only people it may go to."""
    return (
        User.objects.filter(is_active=True, role__in=QUEUE_ROLES)
        .filter(Q(role=Role.ADMIN) | Q(department="") | Q(department=department))
        .order_by("first_name", "last_name", "username")
    )
