from django.urls import path

from civicloop.deliberation import views

app_name = "conversations"
urlpatterns = [
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="detail"),
    path("conversations/<int:conversation_id>/vote/", views.conversation_vote, name="vote"),
    path(
        "conversations/<int:conversation_id>/statements/",
        views.conversation_statement_add,
        name="statement_add",
    ),
    path("conversations/<int:conversation_id>/report/", views.conversation_report, name="report"),
    path(
        "conversations/<int:conversation_id>/statements/<int:statement_id>/report/",
        views.statement_report,
        name="statement_report",
    ),
    # Open data: statements.csv, votes.csv, groups.csv (opendata.OPEN_DATA_TABLES; others are 404).
    path(
        "conversations/<int:conversation_id>/data/<slug:table>.csv", views.conversation_data_csv, name="data"
    ),
]
