from django.urls import path

from civicloop.delivery import staff_views

urlpatterns = [
    path("<int:announcement_id>/delivery/", staff_views.staff_delivery_progress, name="delivery-progress"),
    path("<int:announcement_id>/delivery/cancel/", staff_views.staff_delivery_cancel, name="delivery-cancel"),
]
