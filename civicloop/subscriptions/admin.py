from django.contrib import admin
from django.http import HttpRequest

from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ("kind", "value", "confirmed_at", "created_at")
    readonly_fields = ("kind", "value", "confirmed_at", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ConsentRecordInline(admin.TabularInline):
    """Evidence of consent: shown, never edited."""

    model = ConsentRecord
    extra = 0
    fields = ("created_at", "action", "channel", "language", "text", "preferences")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Read mostly: subscriptions change through the resident's own links (services), not here."""

    list_display = ("id", "status", "language", "frequency", "all_areas", "created_at", "confirmed_at")
    list_filter = ("status", "language", "frequency", "all_areas")
    search_fields = ("=contact_points__value",)
    readonly_fields = (
        "status",
        "language",
        "frequency",
        "all_areas",
        "topics",
        "areas",
        "confirmed_at",
        "unsubscribed_at",
        "token_version",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = (ContactPointInline, ConsentRecordInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subscriber", "action", "channel", "language")
    list_filter = ("action", "channel", "language")
    list_select_related = ("subscriber",)
    readonly_fields = ("subscriber", "action", "channel", "language", "text", "preferences", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
