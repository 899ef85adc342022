from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.announcements.models import BODY_MAX, SUMMARY_MAX, TITLE_MAX, Announcement, Kind
from civicloop.announcements.services import AnnouncementDetails, AnnouncementText
from civicloop.places.models import CommunityArea
from civicloop.topics.models import Topic

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LANGUAGE_FIELDS = (("en", _("English")), ("es", _("Spanish")))


class AnnouncementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )
    is_citywide = forms.BooleanField(label=_("All of Chicago"), required=False, initial=True)
    areas = forms.ModelMultipleChoiceField(
        label=_("Community areas"),
        queryset=CommunityArea.objects.all(),
        required=False,
        help_text=_("Only used when the announcement is not for all of Chicago."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    event_starts_at = forms.DateTimeField(label=_("Event starts"), required=False, widget=DATETIME_WIDGET)
    event_ends_at = forms.DateTimeField(label=_("Event ends"), required=False, widget=DATETIME_WIDGET)
    event_location = forms.CharField(label=_("Event place"), required=False, max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=TITLE_MAX)
    summary_en = forms.CharField(label=_("Summary (English)"), max_length=SUMMARY_MAX, required=False)
    body_en = forms.CharField(
        label=_("Text (English, Markdown)"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10})
    )
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=TITLE_MAX, required=False)
    summary_es = forms.CharField(label=_("Summary (Spanish)"), max_length=SUMMARY_MAX, required=False)
    body_es = forms.CharField(
        label=_("Text (Spanish, Markdown)"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    post_to_social = forms.BooleanField(label=_("Also post to the city's social accounts"), required=False)
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Only needed to schedule. Chicago time."),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        has_es = any(cleaned.get(f"{name}_es") for name in ("title", "summary", "body"))
        if has_es and not (cleaned.get("title_es") and cleaned.get("body_es")):
            raise forms.ValidationError(
                _("A Spanish version needs both a title and text, or leave it all empty.")
            )
        return cleaned

    def texts(self) -> dict[str, AnnouncementText]:
        data = self.cleaned_data
        return {
            language: AnnouncementText(
                title=data[f"title_{language}"],
                summary=data.get(f"summary_{language}", ""),
                body_markdown=data[f"body_{language}"],
            )
            for language, _label in LANGUAGE_FIELDS
            if data.get(f"title_{language}")
        }

    def details(self) -> AnnouncementDetails:
        data = self.cleaned_data
        return AnnouncementDetails(
            kind=data["kind"],
            topics=list(data["topics"]),
            areas=list(data["areas"]),
            is_citywide=bool(data["is_citywide"]),
            event_starts_at=data.get("event_starts_at"),
            event_ends_at=data.get("event_ends_at"),
            event_location=data.get("event_location", ""),
            post_to_social=bool(data.get("post_to_social")),
            texts=self.texts(),
        )

    @staticmethod
    def initial_for(announcement: Announcement) -> dict[str, object]:
        initial: dict[str, object] = {
            "kind": announcement.kind,
            "topics": list(announcement.topics.all()),
            "areas": list(announcement.areas.all()),
            "is_citywide": announcement.is_citywide,
            "event_starts_at": announcement.event_starts_at,
            "event_ends_at": announcement.event_ends_at,
            "event_location": announcement.event_location,
            "publish_at": announcement.publish_at,
            "post_to_social": announcement.post_to_social,
        }
        for text in announcement.translations.all():
            initial[f"title_{text.language}"] = text.title
            initial[f"summary_{text.language}"] = text.summary
            initial[f"body_{text.language}"] = text.body_markdown
        return initial
