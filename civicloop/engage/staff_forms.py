"""Staff forms for engage: spaces, invitations, questions, official replies and idea status."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import User
from civicloop.engage.models import Idea, Space
from civicloop.engage.services import COMMENT_MAX, REASON_MAX
from civicloop.places.selectors import community_area_list
from civicloop.servicerequests.forms import DateTimeLocalInput
from civicloop.subscriptions.forms import CheckboxGroup, RadioGroup
from civicloop.topics.selectors import topic_list


class SpaceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=80,
        required=False,
        help_text=_("Words and dashes; made from the title if empty."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    visibility = forms.ChoiceField(
        label=_("Who can take part"), choices=Space.Visibility.choices, widget=RadioGroup
    )


class InviteesForm(forms.Form):
    contacts = forms.CharField(
        label=_("Invite people"),
        help_text=_("One email address or mobile number per line. They take part by signing in with it."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )

    def contact_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["contacts"].splitlines() if line.strip()]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    slug = forms.SlugField(label=_("Web address"), max_length=80, required=False)
    description = forms.CharField(
        label=_("More about it"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=topic_list(), required=False)
    community_areas = forms.ModelMultipleChoiceField(
        label=_("Community areas"), queryset=community_area_list(), required=False, widget=CheckboxGroup
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeLocalInput)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DateTimeLocalInput)
    department = forms.CharField(label=_("Owner department"), max_length=100)
    is_jam = forms.BooleanField(label=_("This is a jam (a time-boxed brainstorm)"), required=False)
    hosts = forms.ModelMultipleChoiceField(
        label=_("Jam hosts"), queryset=User.objects.none(), required=False, widget=CheckboxGroup
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hosts"].queryset = User.objects.filter(is_active=True).exclude(role="resident")  # type: ignore[attr-defined]
        self.fields["hosts"].label_from_instance = staff_label  # type: ignore[attr-defined]


def staff_label(user: User) -> str:
    """A civil servant as colleagues know them: "Devon Price (department)", the login in brackets."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Idea.Status.choices, widget=RadioGroup)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        required=False,
        help_text=_("Required for not planned. Residents see it on the idea's page and in their update."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Official reply"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
