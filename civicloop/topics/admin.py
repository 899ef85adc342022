from django.contrib import admin

from civicloop.topics.models import Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_es", "position")
