"""Staff manage the WhatsApp templates Meta approved, per notification and language."""

from django.contrib import admin

from civicloop.delivery.models import WhatsAppTemplate


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    list_display = ("template", "language", "content_sid", "approved", "updated_at")
    list_filter = ("approved", "language")
    search_fields = ("template", "content_sid")
