"""The staff inbox, under /staff/inbox/ (names in the "staff" namespace)."""

from django.urls import path

from civicloop.assistant import inbox_requests, inbox_views

urlpatterns = [
    path("", inbox_views.inbox, name="inbox"),
    path("<int:conversation_id>/", inbox_views.inbox_thread, name="inbox-thread"),
    path("<int:conversation_id>/reply/", inbox_views.inbox_thread_reply, name="inbox-reply"),
    path("<int:conversation_id>/take-over/", inbox_views.inbox_thread_take_over, name="inbox-take-over"),
    path("<int:conversation_id>/hand-back/", inbox_views.inbox_thread_hand_back, name="inbox-hand-back"),
    path("<int:conversation_id>/request/", inbox_requests.inbox_thread_request, name="inbox-request"),
]
