from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicloop.assistant.faq import external_id_decode, external_id_encode
from civicloop.assistant.models import FaqEntry, InboxCannedReply
from civicloop.assistant.services.knowledge import FaqInvalid, faq_entry_delete, faq_entry_save


class FaqEntryForm(forms.ModelForm):
    language = forms.ChoiceField(choices=settings.LANGUAGES)

    class Meta:
        model = FaqEntry
        fields = ["external_id", "language", "question", "answer", "topic", "service"]
        help_texts = {
            "external_id": _(
                "The id the entry was imported with; a re-import with this id replaces the text."
            ),
        }

    def clean_external_id(self) -> str:
        value: str = self.cleaned_data["external_id"]
        if external_id_encode(external_id_decode(value)) != value:  # e.g. a stray leading double quote
            raise forms.ValidationError(_("This id would read back differently; remove the quotes."))
        return value


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    """The assistant's answers, edited by staff; saving goes through the service (it re-embeds)."""

    form = FaqEntryForm
    list_display = ("external_id", "question", "language", "topic", "updated_at", "has_embedding")
    list_filter = ("language", "topic")
    search_fields = ("external_id", "question", "answer")
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("service",)

    @admin.display(boolean=True, description=_("Found by meaning"))
    def has_embedding(self, entry: FaqEntry) -> bool:
        return entry.embedding is not None

    def view_on_site(self, entry: FaqEntry) -> str:  # type: ignore[override]
        return reverse("assistant:faq-entry", args=[entry.external_id])

    def get_queryset(self, request: HttpRequest) -> QuerySet[FaqEntry]:
        return super().get_queryset(request).select_related("topic")

    def save_model(self, request: HttpRequest, obj: FaqEntry, form: Any, change: bool) -> None:
        data = form.cleaned_data
        # The form has already copied its values onto obj: the service compares with the stored entry.
        stored = FaqEntry.objects.get(pk=obj.pk) if change else None
        try:
            saved = faq_entry_save(
                entry=stored,
                external_id=data["external_id"],
                question=data["question"],
                answer=data["answer"],
                language=data["language"],
                topic=data.get("topic"),
                service=data.get("service"),
            )
        except FaqInvalid as error:  # the form checked all of it: only a race with an import gets here
            self.message_user(request, error.message, level=messages.ERROR)
            return
        obj.pk, obj.created_at, obj.updated_at, obj.embedding = (
            saved.pk,
            saved.created_at,
            saved.updated_at,
            saved.embedding,
        )

    def delete_model(self, request: HttpRequest, obj: FaqEntry) -> None:
        faq_entry_delete(entry=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FaqEntry]) -> None:
        for entry in queryset:
            faq_entry_delete(entry=entry)


@admin.register(InboxCannedReply)
class InboxCannedReplyAdmin(admin.ModelAdmin):
    """Ready answers for the staff inbox, in English and Spanish."""

    list_display = ("title", "position")
    list_editable = ("position",)
    search_fields = ("title", "body_en", "body_es")
