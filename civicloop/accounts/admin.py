from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from civicloop.accounts.models import StaffSecurityEvent, User


@admin.register(User)
class CityUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("City", {"fields": ("role", "preferred_language", "community_area")}),
    )


@admin.register(StaffSecurityEvent)
class StaffSecurityEventAdmin(admin.ModelAdmin):
    """The sign-in audit trail: read only (services write it)."""

    list_display = ("created_at", "kind", "username", "user", "network_key", "notified_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("username",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "kind", "username", "user", "network_key", "notified_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
