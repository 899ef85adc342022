"""The resident pages of moderation, under its names ("moderation:report_idea"): its code of conduct,
and engage's pages that report a post or appeal a decision through moderation's services."""

from django.urls import path

from civicloop.engage import views as engage_views
from civicloop.moderation import views

app_name = "moderation"
urlpatterns = [
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("report/idea/<int:idea_id>/", engage_views.report_idea, name="report_idea"),
    path("report/comment/<int:comment_id>/", engage_views.report_comment, name="report_comment"),
    path("appeals/<int:case_id>/", engage_views.appeal, name="appeal"),
]
