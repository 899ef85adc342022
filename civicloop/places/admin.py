from django.contrib import admin

from civicloop.places.models import CommunityArea


@admin.register(CommunityArea)
class CommunityAreaAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "population_2020")
    exclude = ("boundary",)
