from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicloop.accounts.models import User


@admin.register(User)
class CityUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("City", {"fields": ("role", "preferred_language", "community_area")}),
    )
