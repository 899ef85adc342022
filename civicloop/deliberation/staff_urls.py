from django.urls import path

from civicloop.deliberation import staff_views

# Included under /staff/conversations/ in the "staff" namespace.
urlpatterns = [
    path("", staff_views.staff_conversations, name="conversations"),
    path("new/", staff_views.staff_conversation_new, name="conversation-new"),
    path("statements/", staff_views.staff_statement_queue, name="conversation-statements"),
    path(
        "statements/<int:statement_id>/decide/",
        staff_views.staff_statement_decide,
        name="conversation-statement-decide",
    ),
    path("<int:conversation_id>/", staff_views.staff_conversation, name="conversation"),
    path("<int:conversation_id>/publish/", staff_views.staff_report_publish, name="conversation-publish"),
    path("<int:conversation_id>/status/", staff_views.staff_conversation_status, name="conversation-status"),
    path("<int:conversation_id>/seeds/", staff_views.staff_conversation_seeds, name="conversation-seeds"),
    path(
        "<int:conversation_id>/response/",
        staff_views.staff_official_response,
        name="conversation-response",
    ),
]
