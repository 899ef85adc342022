from django.urls import path

from civicloop.assistant import views

app_name = "assistant"
urlpatterns = [
    path("assistant/", views.chat, name="chat"),
    # <path:>: an imported id may contain a slash.
    path("assistant/faq/<path:external_id>/", views.faq_entry_detail, name="faq-entry"),
]
