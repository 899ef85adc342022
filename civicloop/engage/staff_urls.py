from django.urls import path

from civicloop.engage import staff_views

urlpatterns = [
    path("", staff_views.staff_spaces, name="engage-spaces"),
    path("spaces/<int:space_id>/", staff_views.staff_space, name="engage-space"),
    path(
        "spaces/<int:space_id>/questions/", staff_views.staff_question_create, name="engage-question-create"
    ),
    path("spaces/<int:space_id>/invitees/", staff_views.staff_invitees_add, name="engage-invitees-add"),
    path("ideas/<int:idea_id>/", staff_views.staff_idea, name="engage-idea"),
    path("ideas/<int:idea_id>/reply/", staff_views.staff_idea_reply, name="engage-idea-reply"),
    path("ideas/<int:idea_id>/status/", staff_views.staff_idea_status, name="engage-idea-status"),
    path("ideas/<int:idea_id>/pick/", staff_views.staff_idea_pick, name="engage-idea-pick"),
]
