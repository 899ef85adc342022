from django.contrib import admin

from civicloop.engage.models import Comment, Idea, Question, Space


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "visibility")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "space", "department", "opens_at", "closes_at", "is_jam")
    list_filter = ("space", "is_jam")


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ("title", "question", "status", "moderation_state", "supports_count", "rotation_views")
    list_filter = ("status", "moderation_state")
    raw_id_fields = ("author", "question")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_official", "moderation_state", "created_at")
    list_filter = ("is_official", "moderation_state")
    raw_id_fields = ("author", "idea", "parent")
