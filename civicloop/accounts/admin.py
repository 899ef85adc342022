from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicloop.accounts.models import Passkey, StaffAuditEvent, StaffSecurityEvent, User
from civicloop.accounts.services import second_factor_reset


@admin.register(User)
class CityUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("City", {"fields": ("role", "preferred_language", "community_area")}),
    )
    actions = ["second_factor_reset_action"]

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def second_factor_reset_action(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            second_factor_reset(user=user, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d account: it sets up a new app at its next sign-in.",
                "Two-factor sign-in reset for %(count)d accounts: each sets up an app at its next sign-in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
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


@admin.register(StaffAuditEvent)
class StaffAuditEventAdmin(admin.ModelAdmin):
    """The staff audit log: read only (the middleware and services write it)."""

    list_display = (
        "created_at",
        "actor_username",
        "actor_role",
        "kind",
        "method",
        "route",
        "target",
        "status_code",
    )
    list_filter = ("kind", "actor_role")
    search_fields = ("actor_username", "route")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "kind",
        "actor",
        "actor_username",
        "actor_role",
        "method",
        "route",
        "target",
        "status_code",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    """Staff passkeys: seen and deleted here (a lost security key), never added or edited (the person adds
    their own on the two-factor page). The public key is not secret, but there is nothing to read in it."""

    list_display = ("name", "user", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "name")
    readonly_fields = ("user", "name", "created_at", "last_used_at", "sign_count", "transports")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
