from django.urls import path

from civicloop.engage import views

app_name = "engage"
urlpatterns = [
    path("ideas/", views.ideas_home, name="home"),
    # Fixed words and idea numbers first: a space's slug is never one of these, nor all digits.
    path("ideas/sign-in/", views.sign_in, name="sign_in"),
    path("ideas/sign-in/<str:token>/", views.sign_in_confirm, name="sign_in_confirm"),
    path("ideas/sign-out/", views.sign_out, name="sign_out"),
    path("ideas/your-name/", views.account_name, name="account_name"),
    path("ideas/stop/<str:token>/", views.follow_stop, name="stop"),
    path("ideas/comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("ideas/<int:idea_id>/", views.idea_detail, name="idea"),
    path("ideas/<int:idea_id>/edit/", views.idea_edit, name="idea_edit"),
    path("ideas/<int:idea_id>/comments/", views.idea_comment, name="idea_comment"),
    path("ideas/<int:idea_id>/support/", views.idea_support, name="idea_support"),
    path("ideas/<int:idea_id>/follow/", views.idea_follow, name="idea_follow"),
    path("ideas/<slug:space_slug>/", views.space_detail, name="space"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/", views.question_detail, name="question"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/new/", views.idea_new, name="idea_new"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/similar/", views.similar_ideas, name="similar"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/summary/", views.question_summary, name="summary"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/live/", views.jam_live, name="jam_live"),
    path("ideas/<slug:space_slug>/<slug:question_slug>/prompts/", views.jam_prompt, name="jam_prompt"),
]
