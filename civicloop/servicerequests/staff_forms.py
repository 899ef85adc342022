"""Forms for the staff 311 queues: the queue's filters, bulk close, status, duplicate and assignment."""

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import User
from civicloop.core.errors import NotFound
from civicloop.servicerequests import staff_selectors
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.staff_selectors import QueueFilters, QueueScope

Detailed = ServiceRequest.Detailed
FILTER_MAX_LENGTH = 100
NOTE_MAX = 1000
# A page holds 50 rows; more than this in one POST is not a person ticking boxes.
BULK_CLOSE_MAX = 200

STATUS_FILTER_CHOICES = [
    (staff_selectors.OPEN_STATUSES, _("Open (not closed yet)")),
    (staff_selectors.CLOSED_STATUSES, _("Closed")),
    (staff_selectors.ANY_STATUS, _("Any status")),
    *Detailed.choices,
]
ASSIGNEE_FILTER_CHOICES = [
    ("", _("Anyone or nobody")),
    (staff_selectors.ASSIGNED_TO_ME, _("Assigned to me")),
    (staff_selectors.UNASSIGNED, _("Unassigned")),
]
SORT_CHOICES = [
    (staff_selectors.SORT_DEADLINE, _("SLA deadline, soonest first")),
    (staff_selectors.SORT_NEWEST, _("Requested, newest first")),
    (staff_selectors.SORT_OLDEST, _("Requested, oldest first")),
    (staff_selectors.SORT_STATUS, _("Status")),
]
CLOSING_CHOICES = [
    (Detailed.COMPLETED, Detailed.COMPLETED.label),
    (Detailed.CANNOT_COMPLETE, Detailed.CANNOT_COMPLETE.label),
]


def queue_filters_parse(params: QueryDict, *, scope: QueueScope) -> QueueFilters:
    """The queue's filters from a query string; unknown choices fall back to the defaults."""

    def text(name: str) -> str:
        return params.get(name, "").strip()[:FILTER_MAX_LENGTH]

    status = text("status")
    assignee = text("assignee")
    sort = text("sort")
    return QueueFilters(
        # Department staff never choose: their scope decides.
        department=text("department") if scope.all_departments else "",
        service=text("service"),
        status=status if status in staff_selectors.STATUS_FILTERS else staff_selectors.OPEN_STATUSES,
        area=text("area"),
        assignee=assignee if assignee in staff_selectors.ASSIGNEE_FILTERS else "",
        overdue_only=params.get("overdue") == "1",
        sort=sort if sort in staff_selectors.SORTS else staff_selectors.SORT_DEADLINE,
    )


def queue_query(filters: QueueFilters) -> str:
    """The query string that shows these filters again (pagination links, back after a bulk close)."""
    defaults = QueueFilters()
    values = {
        "department": filters.department,
        "service": filters.service,
        "status": filters.status if filters.status != defaults.status else "",
        "area": filters.area,
        "assignee": filters.assignee,
        "overdue": "1" if filters.overdue_only else "",
        "sort": filters.sort if filters.sort != defaults.sort else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


class PublicIdsField(forms.Field):
    """The request numbers ticked in the queue; which of them may be touched is the view's business."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        given = value if isinstance(value, list | tuple) else [value]
        return list(dict.fromkeys(str(item).strip()[:20] for item in given if str(item).strip()))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > BULK_CLOSE_MAX:
            raise forms.ValidationError(
                _("Close at most %(limit)d requests at once."), params={"limit": BULK_CLOSE_MAX}
            )


class BulkCloseForm(forms.Form):
    requests = PublicIdsField(
        label=_("Requests to close"), error_messages={"required": _("Tick at least one request to close.")}
    )
    detailed_status = forms.ChoiceField(
        label=_("Close as"), choices=CLOSING_CHOICES, initial=Detailed.COMPLETED
    )
    note = forms.CharField(
        label=_("Note to residents"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Everyone following these requests gets this note."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusChangeForm(forms.Form):
    detailed_status = forms.ChoiceField(
        label=_("New status"),
        # A duplicate needs the request it duplicates: that is the "Mark as duplicate" form.
        choices=[choice for choice in Detailed.choices if choice[0] != Detailed.DUPLICATE],
    )
    note = forms.CharField(
        label=_("Note to residents"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Shown on the public page and sent to everyone following the request."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DuplicateForm(forms.Form):
    parent = forms.CharField(
        label=_("Request number it duplicates"),
        max_length=20,
        help_text=_("For example 26-00001234. Its followers will also follow that request."),
    )
    note = forms.CharField(
        label=_("Note to residents"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, request: ServiceRequest, scope: QueueScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.scope = scope

    def clean_parent(self) -> ServiceRequest:
        public_id = self.cleaned_data["parent"].strip()
        if public_id == self.request.public_id:
            raise forms.ValidationError(_("A request cannot be a duplicate of itself."))
        try:
            parent = staff_selectors.queue_request_get(scope=self.scope, public_id=public_id)
        except NotFound as error:
            raise forms.ValidationError(
                _("There is no request %(id)s in your queues."), params={"id": public_id}
            ) from error
        if parent.detailed_status == Detailed.DUPLICATE and parent.parent_id is not None:
            # Point at the original, so followers never end up on a chain of closed duplicates.
            raise forms.ValidationError(
                _("Request %(id)s is itself a duplicate: use the request it duplicates."),
                params={"id": public_id},
            )
        return parent


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return user.get_full_name() or user.get_username()


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (unassigned)"),
    )

    def __init__(self, *args: Any, department: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, StaffChoiceField)
        field.queryset = staff_selectors.assignable_staff(department=department)
