"""Residents' forms (a vote, a statement) and staff forms (opening a conversation with seed statements,
closing it, moderating statements, the report)."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.permissions import department_may_act
from civicloop.deliberation.models import (
    OFFICIAL_RESPONSE_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    Conversation,
    Statement,
)
from civicloop.deliberation.services.errors import DeliberationInvalid
from civicloop.deliberation.services.opening import PROMPT_MAX, SEEDS_MAX, TITLE_MAX, seed_statements_check
from civicloop.engage.forms import HoneypotForm
from civicloop.engage.models import Question, Space
from civicloop.moderation.models import ReasonCode

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


class VoteForm(forms.Form):
    statement = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    vote = forms.ChoiceField(
        label=_("Your vote"),
        choices=[("agree", _("Agree")), ("disagree", _("Disagree")), ("pass", _("Pass / unsure"))],
    )

    def vote_value(self) -> int:
        return VOTE_VALUES[self.cleaned_data["vote"]]


class StatementForm(HoneypotForm):
    """A resident's statement; like every post form, with engage's honeypot against bots."""

    text = forms.CharField(
        label=_("Add a statement"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made per request, in the reader's language.
        self.fields["text"].help_text = gettext(
            "One short idea others can agree or disagree with, %(limit)d characters at most. "
            "Statements follow the code of conduct."
        ) % {"limit": STATEMENT_MAX_LENGTH}


class StatementDecisionForm(forms.Form):
    """A moderator's accept / reject of a statement; `seen` is the state the page showed."""

    seen = forms.ChoiceField(choices=Statement.Moderation.choices, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept: publish it")), ("reject", _("Reject: remove it"))]
    )
    reason = forms.ChoiceField(
        label=_("Reason (for a rejection)"), choices=[("", "—"), *ReasonCode.choices], required=False
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=1000, required=False, widget=forms.TextInput
    )


class PublishForm(forms.Form):
    publish = forms.ChoiceField(choices=[("1", "1"), ("0", "0")], widget=forms.HiddenInput)


class OfficialResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Official response"),
        max_length=OFFICIAL_RESPONSE_MAX_LENGTH,
        help_text=_("What the city will do with what residents said. Shown with the published report."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


# The textarea's own limit, well above SEEDS_MAX full-length lines; the lines are checked one by one.
SEEDS_TEXT_MAX = 20000


def _seeds_field() -> forms.CharField:
    return forms.CharField(
        label=_("Seed statements"),
        max_length=SEEDS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write at least one statement, one per line.")},
    )


def _seeds_help() -> str:
    return gettext(
        "One statement per line, %(limit)d characters at most, each a short idea residents can agree or "
        "disagree with; up to %(count)d at a time. They are the city's: published at once."
    ) % {"limit": STATEMENT_MAX_LENGTH, "count": SEEDS_MAX}


def _seeds_clean(form: forms.Form) -> list[str]:
    """The textarea's lines, each checked (the first at fault named). Kept as typed, blank ones too, so
    that the service's own errors (a statement the conversation has already) name the same lines."""
    lines: list[str] = form.cleaned_data["seeds"].splitlines()
    try:
        seed_statements_check(lines)
    except DeliberationInvalid as error:
        raise forms.ValidationError(error.message) from error
    return lines


class ConversationOpenForm(forms.Form):
    """Staff open a conversation: in a space they may use, on one of its questions if they like, with the
    city's seed statements. Department staff see only their own department's questions."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    prompt = forms.CharField(
        label=_("Question or topic put to residents"),
        max_length=PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the statements residents vote on."),
    )
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=Space.objects.none(),
        help_text=_("It decides who takes part: everyone, city staff only, or invited people only."),
        empty_label=_("Choose a space"),
    )
    question = forms.ModelChoiceField(
        label=_("Question it belongs to"),
        queryset=Question.objects.none(),
        required=False,
        empty_label=_("No question"),
    )
    seeds = _seeds_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        space_field: Any = self.fields["space"]
        space_field.queryset = Space.objects.order_by("title", "id")
        space_field.label_from_instance = lambda space: f"{space.title} ({space.get_visibility_display()})"
        questions = Question.objects.select_related("space").order_by("space__title", "-opens_at", "id")
        question_field: Any = self.fields["question"]
        if department_may_act(user, ""):  # no department of their own (communications, admins)
            question_field.help_text = gettext(
                "Optional. Its department answers the conversation: publishes the report, closes it."
            )
        else:
            questions = questions.filter(department=getattr(user, "department", ""))
            question_field.required = True
            question_field.help_text = gettext(
                "One of your department's questions (%(department)s), in the space chosen above."
            ) % {"department": getattr(user, "department", "")}
        question_field.queryset = questions
        question_field.label_from_instance = lambda question: f"{question.text} ({question.space.title})"
        self.fields["seeds"].help_text = _seeds_help()

    def clean_seeds(self) -> list[str]:
        return _seeds_clean(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        space, question = data.get("space"), data.get("question")
        if space is not None and question is not None and question.space_id != space.pk:
            self.add_error("question", gettext("Choose a question of the space you chose, or no question."))
        return data


class SeedStatementsForm(forms.Form):
    """More of the city's statements in an open conversation (the service refuses one it has already)."""

    seeds = _seeds_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seeds"].label = gettext("More statements")
        self.fields["seeds"].help_text = _seeds_help()

    def clean_seeds(self) -> list[str]:
        return _seeds_clean(self)


class ConversationStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices, widget=forms.HiddenInput)
