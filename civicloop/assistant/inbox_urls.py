"""The staff inbox, under /staff/inbox/ (names in the "staff" namespace)."""

from django.urls import path

from civicloop.assistant import (
    inbox_desk_views,
    inbox_ideas,
    inbox_measures,
    inbox_records,
    inbox_reporting,
    inbox_requests,
    inbox_views,
)

urlpatterns = [
    path("", inbox_views.inbox, name="inbox"),
    path("measures/", inbox_measures.inbox_measures, name="inbox-measures"),
    path("<int:conversation_id>/", inbox_views.inbox_thread, name="inbox-thread"),
    path("<int:conversation_id>/reply/", inbox_views.inbox_thread_reply, name="inbox-reply"),
    path("<int:conversation_id>/take-over/", inbox_views.inbox_thread_take_over, name="inbox-take-over"),
    path("<int:conversation_id>/hand-back/", inbox_views.inbox_thread_hand_back, name="inbox-hand-back"),
    path("<int:conversation_id>/request/", inbox_requests.inbox_thread_request, name="inbox-request"),
    path(
        "<int:conversation_id>/request/link/",
        inbox_requests.inbox_thread_request_link,
        name="inbox-request-link",
    ),
    path(
        "<int:conversation_id>/messages/<int:message_id>/report/",
        inbox_reporting.inbox_message_report,
        name="inbox-message-report",
    ),
    path("<int:conversation_id>/idea/", inbox_ideas.inbox_thread_idea, name="inbox-idea"),
    path("<int:conversation_id>/record.csv", inbox_records.inbox_thread_record, name="inbox-record"),
    # The service desk.
    path("bulk/", inbox_desk_views.inbox_bulk, name="inbox-bulk"),
    path("views/", inbox_desk_views.inbox_view_save, name="inbox-view-save"),
    path("views/<int:view_id>/delete/", inbox_desk_views.inbox_view_delete, name="inbox-view-delete"),
    path("labels/", inbox_desk_views.inbox_labels, name="inbox-labels"),
    path("labels/<int:label_id>/delete/", inbox_desk_views.inbox_label_delete, name="inbox-label-delete"),
    path("<int:conversation_id>/assign/", inbox_desk_views.inbox_thread_assign, name="inbox-assign"),
    path("<int:conversation_id>/status/", inbox_desk_views.inbox_thread_status, name="inbox-status"),
    path("<int:conversation_id>/labels/", inbox_desk_views.inbox_thread_label_add, name="inbox-label-add"),
    path(
        "<int:conversation_id>/labels/<int:label_id>/remove/",
        inbox_desk_views.inbox_thread_label_remove,
        name="inbox-label-remove",
    ),
    path("<int:conversation_id>/notes/", inbox_desk_views.inbox_thread_note, name="inbox-note"),
    path("<int:conversation_id>/link/", inbox_desk_views.inbox_thread_link, name="inbox-link"),
    path("<int:conversation_id>/unlink/", inbox_desk_views.inbox_thread_unlink, name="inbox-unlink"),
]
