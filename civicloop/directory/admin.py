from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicloop.directory.models import (
    DirectoryEntry,
    DirectoryEntryText,
    LifeEvent,
    LifeEventStep,
    LifeEventText,
    ServiceLocation,
    StepTask,
)
from civicloop.directory.services import entry_texts_search_refresh


class EnglishRequiredFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """Every entry and journey keeps its English text: other languages fall back to it."""

    def clean(self) -> None:
        super().clean()
        languages = {
            form.cleaned_data.get("language")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        if "en" not in languages:
            raise forms.ValidationError(_("Keep an English version: it is shown when a language is missing."))


class DirectoryEntryTextInline(admin.StackedInline):  # type: ignore[type-arg]
    model = DirectoryEntryText
    formset = EnglishRequiredFormSet
    extra = 0
    min_num = 1


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("Review overdue")), ("unset", _("No review date"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "overdue":
            return queryset.filter(review_by__lt=date.today())
        if self.value() == "unset":
            return queryset.filter(review_by__isnull=True)
        return queryset


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff keep entries right: each has an owner and a review-by date; an overdue one is flagged here,
    never hidden from residents."""

    list_display = ("slug", "kind", "department", "owner", "review_by", "review_overdue")
    list_filter = (ReviewOverdueFilter, "kind", "department", "topic")
    search_fields = ("slug", "department", "texts__name")
    raw_id_fields = ("service",)
    filter_horizontal = ("locations",)
    readonly_fields = ("hsds_id", "created_at", "updated_at")
    inlines = [DirectoryEntryTextInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(boolean=True, description=_("Review overdue"))
    def review_overdue(self, entry: DirectoryEntry) -> bool:
        return entry.review_by is not None and entry.review_by < date.today()

    def get_queryset(self, request: HttpRequest) -> QuerySet[DirectoryEntry]:
        return super().get_queryset(request).select_related("owner")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        entry_texts_search_refresh(entry_ids=[form.instance.pk])


@admin.register(ServiceLocation)
class ServiceLocationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "address", "community_area", "hours")
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}


class LifeEventTextInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LifeEventText
    formset = EnglishRequiredFormSet
    extra = 0
    min_num = 1


class LifeEventStepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LifeEventStep
    extra = 0


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("slug", "order")
    inlines = [LifeEventTextInline, LifeEventStepInline]


@admin.register(StepTask)
class StepTaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("step", "entry", "order", "show_cost")
    raw_id_fields = ("step", "entry")
