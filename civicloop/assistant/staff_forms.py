"""Staff forms for the assistant's knowledge base: one FAQ entry, and the list's search and filters."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicloop.assistant.models import FaqEntry
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.selectors import service_list
from civicloop.subscriptions.forms import RadioGroup
from civicloop.topics.models import Topic
from civicloop.topics.selectors import topic_list

QUESTION_MAX = 300
# Texts are cut to the SMS budget with a link to the whole answer; the web page shows it all.
ANSWER_MAX = 2000
SEARCH_MAX = 200


class FaqEntryForm(forms.Form):
    question = forms.CharField(
        label=_("Question"),
        max_length=QUESTION_MAX,
        help_text=_("As a resident would ask it, in the entry's language."),
        error_messages={"required": _("Write the question.")},
    )
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX,
        help_text=_(
            "Plain language, the most useful sentence first: a text message carries only the start, "
            "with a link to the whole answer."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the answer.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        widget=RadioGroup,
        error_messages={
            "required": _("Choose a language."),
            "invalid_choice": _("Choose a language from the list."),
        },
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.none(), required=False, empty_label=_("No topic")
    )
    service = forms.ModelChoiceField(
        label=_("311 service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("No 311 service"),
        help_text=_("The entry's page then offers to report it online."),
    )

    def __init__(self, *args: Any, entry: FaqEntry | None = None, **kwargs: Any) -> None:
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "question": entry.question,
                "answer": entry.answer,
                "language": entry.language,
                "topic": entry.topic_id,
                "service": entry.service_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topic_list()  # type: ignore[attr-defined]
        services = service_list()
        if entry is not None and entry.service_id is not None:
            # A service since retired stays on its entry until someone picks another.
            services = Service.objects.filter(Q(active=True) | Q(pk=entry.service_id)).order_by(
                "department", "name"
            )
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["service"].label_from_instance = service_label  # type: ignore[attr-defined]


def service_label(service: Service) -> str:
    name = service.name_es if (get_language() or "").startswith("es") and service.name_es else service.name
    return f"{name} ({service.department})"


class FaqSearchForm(forms.Form):
    """The list's search and filters; anything unknown is ignored rather than refused (a GET form)."""

    q = forms.CharField(label=_("Search"), max_length=SEARCH_MAX, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language")), *settings.LANGUAGES]  # type: ignore[attr-defined]
        self.fields["topic"].choices = [  # type: ignore[attr-defined]
            ("", _("Any topic")),
            *((topic.slug, topic.name) for topic in topic_list()),
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters (empty strings for the rest)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: data.get(key) or "" for key in ("q", "language", "topic")}
