from django.urls import path

from civicloop.assistant import staff_views

# Included under /staff/assistant/ in the "staff" namespace: the knowledge base (FAQ entries).
urlpatterns = [
    path("faq/", staff_views.staff_faq_list, name="faq-list"),
    path("faq/new/", staff_views.staff_faq_create, name="faq-new"),
    path("faq/<int:entry_id>/", staff_views.staff_faq_edit, name="faq-edit"),
    path("faq/<int:entry_id>/delete/", staff_views.staff_faq_delete, name="faq-delete"),
]
