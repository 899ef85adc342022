from django.urls import path

from civicloop.moderation import views

app_name = "moderation"
urlpatterns = [
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
    path("report/idea/<int:idea_id>/", views.report_idea, name="report_idea"),
    path("report/comment/<int:comment_id>/", views.report_comment, name="report_comment"),
    path("appeals/<int:case_id>/", views.appeal, name="appeal"),
]
